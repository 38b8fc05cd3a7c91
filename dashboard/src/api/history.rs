//! A device's stored events, aggregated (`/devices/{id}/history`).
use fleetwarden_wire::history::{HistoryBucket, HistoryQuery};

use super::{ApiResult, encode, get, with_query};

/// Min, max, mean and count of each named numeric event per interval, oldest first.
pub async fn buckets(id: &str, query: &HistoryQuery) -> ApiResult<Vec<HistoryBucket>> {
    get(&with_query(
        &format!("/devices/{}/history", encode(id)),
        query,
    )?)
    .await
}
