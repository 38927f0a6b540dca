//! GraphQL over HTTP: any `Accept` header negotiates without a panic, and any JSON body
//! becomes a request or a clean refusal; a request keeps exactly the query it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storedesk::http::graphql::{MediaType, graphql_request};

fuzz_target!(|input: (&str, &str)| {
    let (accept, body) = input;
    let _ = MediaType::negotiate(Some(accept));
    if let Ok(serde_json::Value::Object(params)) = serde_json::from_str::<serde_json::Value>(body)
        && let Ok(request) = graphql_request(&params)
    {
        assert_eq!(Some(request.query.as_str()), params["query"].as_str());
    }
});
