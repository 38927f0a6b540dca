//! GraphQL over HTTP: every rule of the specification's server audit (the graphql-http
//! project's list, its SHOULDs included), each as one request and what must come back.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::TestApp;

const GQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// How a request is sent.
enum Send {
    /// POST with this content type (none: no header) and raw body (none: no body).
    Post(Option<&'static str>, Option<String>),
    /// GET with these URL parameters.
    Get(Vec<(&'static str, String)>),
}

/// What must come back.
enum Expect {
    /// This status.
    Status(u16),
    /// A status in this range.
    Between(u16, u16),
}

/// What the body must say.
#[derive(Clone, Copy)]
enum BodyIs {
    Anything,
    /// A result with an `errors` entry.
    WithErrors,
    /// A result without an `errors` entry.
    WithoutErrors,
    /// No `data` entry at all.
    WithoutData,
}

struct Rule {
    id: &'static str,
    what: &'static str,
    accept: Option<&'static str>,
    send: Send,
    expect: Expect,
    content_type: Option<&'static str>,
    body: BodyIs,
}

fn post_json(body: Value) -> Send {
    Send::Post(Some(JSON), Some(body.to_string()))
}

fn typename() -> Value {
    json!({ "query": "{ __typename }" })
}

fn rules() -> Vec<Rule> {
    let ok_query = || post_json(typename());
    let mut rules = vec![
        Rule {
            id: "22EB",
            what: "accept graphql-response+json and match the content-type",
            accept: Some(GQL_RESPONSE),
            send: ok_query(),
            expect: Expect::Status(200),
            content_type: Some(GQL_RESPONSE),
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "4655",
            what: "accept application/json and match the content-type",
            accept: Some(JSON),
            send: ok_query(),
            expect: Expect::Status(200),
            content_type: Some(JSON),
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "47DE",
            what: "accept */* and use application/json",
            accept: Some("*/*"),
            send: ok_query(),
            expect: Expect::Status(200),
            content_type: Some(JSON),
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "80D8",
            what: "assume application/json when Accept is missing",
            accept: None,
            send: Send::Get(vec![("query", "{ __typename }".into())]),
            expect: Expect::Status(200),
            content_type: Some(JSON),
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "BF61",
            what: "accept a utf-8 encoded request",
            accept: None,
            send: Send::Post(
                Some("application/json; charset=utf-8"),
                Some(typename().to_string()),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "78D5",
            what: "assume utf-8 when no charset is given",
            accept: None,
            send: ok_query(),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "5A70",
            what: "accept GET requests",
            accept: None,
            send: Send::Get(vec![("query", "{ __typename }".into())]),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "9C48",
            what: "refuse mutations over GET",
            accept: Some(GQL_RESPONSE),
            send: Send::Get(vec![(
                "query",
                "mutation { logout(refreshToken: \"x\") }".into(),
            )]),
            expect: Expect::Status(405),
            content_type: None,
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "9ABE",
            what: "4xx without a content type",
            accept: None,
            send: Send::Post(None, None),
            expect: Expect::Between(400, 499),
            content_type: None,
            body: BodyIs::Anything,
        },
        Rule {
            id: "7267",
            what: "require a request body",
            accept: Some(JSON),
            send: Send::Post(Some(JSON), None),
            expect: Expect::Status(200),
            content_type: Some(JSON),
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "6610",
            what: "400 on a missing query (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(json!({ "notquery": "{ __typename }" })),
            expect: Expect::Status(400),
            content_type: Some(GQL_RESPONSE),
            body: BodyIs::WithoutData,
        },
        Rule {
            id: "3715",
            what: "200 with errors on a missing query (json)",
            accept: Some(JSON),
            send: post_json(json!({ "notquery": "{ __typename }" })),
            expect: Expect::Status(200),
            content_type: Some(JSON),
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "34A2",
            what: "allow a string query (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: ok_query(),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "13EE",
            what: "allow a string query (json)",
            accept: Some(JSON),
            send: ok_query(),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "8161",
            what: "allow a string operationName (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(
                json!({ "operationName": "Query", "query": "query Query { __typename }" }),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "B8B3",
            what: "allow a string operationName (json)",
            accept: Some(JSON),
            send: post_json(
                json!({ "operationName": "Query", "query": "query Query { __typename }" }),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "2EA1",
            what: "allow a map of variables (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(
                json!({ "query": "query Type($name: String!) { __type(name: $name) { name } }", "variables": { "name": "Order" } }),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "28B9",
            what: "allow a map of variables (json)",
            accept: Some(JSON),
            send: post_json(
                json!({ "query": "query Type($name: String!) { __type(name: $name) { name } }", "variables": { "name": "Order" } }),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "D6D5",
            what: "allow URL-encoded JSON variables in GETs (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: Send::Get(vec![
                (
                    "query",
                    "query Type($name: String!) { __type(name: $name) { name } }".into(),
                ),
                ("variables", json!({ "name": "Order" }).to_string()),
            ]),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "6A70",
            what: "allow URL-encoded JSON variables in GETs (json)",
            accept: Some(JSON),
            send: Send::Get(vec![
                (
                    "query",
                    "query Type($name: String!) { __type(name: $name) { name } }".into(),
                ),
                ("variables", json!({ "name": "Order" }).to_string()),
            ]),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "428F",
            what: "allow a map of extensions (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(
                json!({ "query": "{ __typename }", "extensions": { "some": "value" } }),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "1B7A",
            what: "allow a map of extensions (json)",
            accept: Some(JSON),
            send: post_json(
                json!({ "query": "{ __typename }", "extensions": { "some": "value" } }),
            ),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithoutErrors,
        },
        Rule {
            id: "D477",
            what: "200 on unreadable JSON (json)",
            accept: Some(JSON),
            send: Send::Post(Some(JSON), Some("{ \"not a JSON".into())),
            expect: Expect::Status(200),
            content_type: Some(JSON),
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "F5AF",
            what: "200 on invalid parameters (json)",
            accept: Some(JSON),
            send: post_json(json!({ "qeury": "{ __typename }" })),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "572B",
            what: "200 on a document that does not parse (json)",
            accept: Some(JSON),
            send: post_json(json!({ "query": "{" })),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "FDE2",
            what: "200 on a document that does not validate (json)",
            accept: Some(JSON),
            send: post_json(json!({ "query": "{ f8f31403dfe404bccbb0e835f2629c6a7 }" })),
            expect: Expect::Status(200),
            content_type: None,
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "2163",
            what: "400 on unreadable JSON (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: Send::Post(Some(JSON), Some("{ \"not a JSON".into())),
            expect: Expect::Status(400),
            content_type: Some(GQL_RESPONSE),
            body: BodyIs::WithoutData,
        },
        Rule {
            id: "17C5",
            what: "400 on invalid parameters (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(json!({ "qeury": "{ __typename }" })),
            expect: Expect::Status(400),
            content_type: None,
            body: BodyIs::WithoutData,
        },
        Rule {
            id: "556A",
            what: "400 and no data when the document does not parse (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(json!({ "query": "{" })),
            expect: Expect::Status(400),
            content_type: Some(GQL_RESPONSE),
            body: BodyIs::WithoutData,
        },
        Rule {
            id: "74FF",
            what: "400 and no data when the document does not validate (graphql-response+json)",
            accept: Some(GQL_RESPONSE),
            send: post_json(json!({ "query": "{ f8f31403dfe404bccbb0e835f2629c6a7 }" })),
            expect: Expect::Status(400),
            content_type: Some(GQL_RESPONSE),
            body: BodyIs::WithoutData,
        },
        Rule {
            id: "406",
            what: "406 when neither type is acceptable",
            accept: Some("text/html"),
            send: ok_query(),
            expect: Expect::Status(406),
            content_type: None,
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "415",
            what: "415 for a body that is neither JSON nor multipart",
            accept: None,
            send: Send::Post(Some("text/plain"), Some("{ __typename }".into())),
            expect: Expect::Status(415),
            content_type: None,
            body: BodyIs::WithErrors,
        },
        Rule {
            id: "charset",
            what: "refuse a charset other than utf-8",
            accept: None,
            send: Send::Post(
                Some("application/json; charset=latin1"),
                Some(typename().to_string()),
            ),
            expect: Expect::Between(400, 499),
            content_type: None,
            body: BodyIs::WithErrors,
        },
    ];
    // Wrong types of each parameter, under each media type.
    let invalid: [(&str, Vec<Value>); 4] = [
        (
            "query",
            vec![
                json!({ "obj": "ect" }),
                json!(0),
                json!(false),
                json!(["array"]),
            ],
        ),
        (
            "operationName",
            vec![
                json!({ "obj": "ect" }),
                json!(0),
                json!(false),
                json!(["array"]),
            ],
        ),
        (
            "variables",
            vec![json!("string"), json!(0), json!(false), json!(["array"])],
        ),
        (
            "extensions",
            vec![json!("string"), json!(0), json!(false), json!(["array"])],
        ),
    ];
    for (parameter, values) in invalid {
        for value in values {
            let mut body = json!({ "query": "{ __typename }" });
            body[parameter] = value;
            rules.push(Rule {
                id: "4F50-904x",
                what: "400 on a wrongly typed parameter (graphql-response+json)",
                accept: Some(GQL_RESPONSE),
                send: post_json(body.clone()),
                expect: Expect::Status(400),
                content_type: None,
                body: BodyIs::WithoutData,
            });
            rules.push(Rule {
                id: "9FE0-368x",
                what: "200 with errors on a wrongly typed parameter (json)",
                accept: Some(JSON),
                send: post_json(body),
                expect: Expect::Status(200),
                content_type: None,
                body: BodyIs::WithErrors,
            });
        }
    }
    // Null for each optional parameter is fine.
    for parameter in ["variables", "operationName", "extensions"] {
        for accept in [GQL_RESPONSE, JSON] {
            let mut body = json!({ "query": "{ __typename }" });
            body[parameter] = Value::Null;
            rules.push(Rule {
                id: "94B0-0220",
                what: "allow a null optional parameter",
                accept: Some(accept),
                send: post_json(body),
                expect: Expect::Status(200),
                content_type: None,
                body: BodyIs::WithoutErrors,
            });
        }
    }
    rules
}

pub async fn every_rule_of_the_graphql_over_http_audit_holds(app: TestApp) {
    let mut failures = Vec::new();
    for rule in rules() {
        let mut request = match &rule.send {
            Send::Post(content_type, body) => {
                let mut request = app.client.post(app.graphql_url());
                if let Some(content_type) = content_type {
                    request = request.header("content-type", *content_type);
                }
                if let Some(body) = body {
                    request = request.body(body.clone());
                }
                request
            }
            Send::Get(params) => app.client.get(app.graphql_url()).query(params),
        };
        if let Some(accept) = rule.accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let status_ok = match rule.expect {
            Expect::Status(expected) => status == expected,
            Expect::Between(low, high) => (low..=high).contains(&status),
        };
        let type_ok = rule
            .content_type
            .is_none_or(|wanted| content_type.contains(wanted));
        let body_ok = match rule.body {
            BodyIs::Anything => true,
            BodyIs::WithErrors => body["errors"].is_array(),
            BodyIs::WithoutErrors => body.get("errors").is_none() && body["data"].is_object(),
            BodyIs::WithoutData => body["errors"].is_array() && body.get("data").is_none(),
        };
        if !(status_ok && type_ok && body_ok) {
            failures.push(format!(
                "{} ({}): got {status} {content_type} {text}",
                rule.id, rule.what
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "GraphQL-over-HTTP rules broken:\n{}",
        failures.join("\n")
    );
}

engine_tests!(every_rule_of_the_graphql_over_http_audit_holds);
