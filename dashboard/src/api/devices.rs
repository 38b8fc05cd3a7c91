//! The devices I may see (`/devices`): listing, one device, who reaches it, and its calls.
use fleetwarden_wire::directory::{Page, PagingQuery};
use fleetwarden_wire::products::CatalogEntry;
use fleetwarden_wire::sharing::{
    DeviceAccessEntry, DeviceQuery, DeviceResponse, FunctionCallRequest, FunctionCallResponse,
    VariableResponse,
};

use super::{ApiResult, Paged, encode, get, post, with_query};

/// A page of the devices I may see.
pub async fn list(filter: &DeviceQuery, paging: &PagingQuery) -> ApiResult<Page<DeviceResponse>> {
    get(&with_query("/devices", &Paged { filter, paging })?).await
}

/// One device with my actions on it.
pub async fn device(id: &str) -> ApiResult<DeviceResponse> {
    get(&format!("/devices/{}", encode(id))).await
}

/// Who reaches a device, and through which grants.
pub async fn access(id: &str) -> ApiResult<Vec<DeviceAccessEntry>> {
    get(&format!("/devices/{}/access", encode(id))).await
}

/// Calls a device function.
pub async fn call_function(id: &str, name: &str, arg: String) -> ApiResult<FunctionCallResponse> {
    post(
        &format!("/devices/{}/functions/{}", encode(id), encode(name)),
        &FunctionCallRequest { arg },
    )
    .await
}

/// Reads a device variable.
pub async fn read_variable(id: &str, name: &str) -> ApiResult<VariableResponse> {
    get(&format!(
        "/devices/{}/variables/{}",
        encode(id),
        encode(name)
    ))
    .await
}

/// The functions and variables of the device's product.
pub async fn catalog(id: &str) -> ApiResult<Vec<CatalogEntry>> {
    get(&format!("/devices/{}/catalog", encode(id))).await
}
