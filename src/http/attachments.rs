//! `GET /attachments/{id}`: a ticket attachment, for callers who may see it.
//!
//! Uploaded files are hostile until proven otherwise: they are always served as downloads
//! (`Content-Disposition: attachment`), with the type found at upload, no sniffing, and a
//! sandboxing CSP, so an HTML or SVG payload can never run in our origin.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::graphql::auth_context;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tickets::attachments::visible_attachment;

fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({
        "errors": [{ "message": "Attachment not found.", "extensions": { "code": "NOT_FOUND" } }]
    }))
}

/// Serves one attachment. Anonymous callers, other customers and customers asking for a
/// file on an internal note all get the same `404`.
pub async fn download(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (auth, _) = match auth_context(&req, &state).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (Ok(caller), Ok(id)) = (auth.caller(), id.parse::<uuid::Uuid>()) else {
        return not_found();
    };
    let attachment = match visible_attachment(&state.db, &caller, id).await {
        Ok(attachment) => attachment,
        Err(ApiError::NotFound(_)) => return not_found(),
        Err(err) => {
            tracing::error!(error = ?err, "could not look up an attachment");
            return HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR).finish();
        }
    };
    let bytes = match state.attachments.read(&attachment.sha256).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = ?err, attachment = %attachment.id, "attachment file unreadable");
            return HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR).finish();
        }
    };
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: attachment.file_name.clone().into_bytes(),
        })],
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, attachment.content_type.clone()))
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes)
}
