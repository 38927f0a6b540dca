//! How a deadline sweep walks its due rows: in batches, in id order, each row on its own, a
//! failing row logged and skipped, and the next pass starting after the last row taken. The
//! domains own their sweeps (what is due, what to do with a row); `jobs` runs them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

use crate::error::ApiResult;

/// Where each sweep's next pass starts: after the last row the previous pass took, so rows
/// that keep failing cannot hold the head of the queue for ever; a pass that reaches the end
/// of the due rows makes the next one start from the beginning.
#[derive(Debug, Clone, Default)]
pub struct SweepCursors(Arc<Mutex<HashMap<&'static str, Uuid>>>);

impl SweepCursors {
    fn start(&self, sweep: &'static str) -> Option<Uuid> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(sweep)
            .copied()
    }

    fn finish(&self, sweep: &'static str, last: Option<Uuid>, full: bool) {
        let mut cursors = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match last {
            Some(last) if full => cursors.insert(sweep, last),
            _ => cursors.remove(sweep),
        };
    }
}

/// What a sweep pass needs of the instance: the database, the batch size and the cursors.
/// Borrowed from `AppState::sweeper`, so the sweep machinery does not depend on the state
/// that holds it.
#[derive(Clone, Copy)]
pub struct Sweeper<'a> {
    /// Where the due rows are read.
    pub db: &'a sea_orm::DatabaseConnection,
    /// The most rows one pass takes (`settings.sweep_batch`).
    pub batch: u64,
    /// Where each sweep's next pass starts.
    pub cursors: &'a SweepCursors,
}

impl Sweeper<'_> {
    /// One pass of a sweep: the next batch of the rows `due` selects (at most `batch`, in id
    /// order, after where the last pass stopped), each handed to `work` on its own. A row
    /// that fails is logged with its cause and skipped: one bad row must not hold up the
    /// others (it is retried on a later pass). Returns how many rows `work` reported as done.
    pub async fn rows<E, Fut>(
        self,
        sweep: &'static str,
        due: Select<E>,
        id_column: E::Column,
        id: impl Fn(&E::Model) -> Uuid,
        work: impl FnMut(E::Model) -> Fut,
    ) -> ApiResult<u32>
    where
        E: EntityTrait,
        Fut: Future<Output = ApiResult<bool>>,
    {
        let mut due = due.order_by_asc(id_column).limit(self.batch);
        if let Some(after) = self.cursors.start(sweep) {
            due = due.filter(id_column.gt(after));
        }
        let rows = due.all(self.db).await?;
        let full = rows.len() as u64 == self.batch;
        self.cursors.finish(sweep, rows.last().map(&id), full);
        Ok(each_row(sweep, rows, id, work).await)
    }
}

async fn each_row<T, Fut>(
    sweep: &'static str,
    rows: Vec<T>,
    id: impl Fn(&T) -> Uuid,
    mut work: impl FnMut(T) -> Fut,
) -> u32
where
    Fut: Future<Output = ApiResult<bool>>,
{
    let mut done = 0;
    for row in rows {
        let row_id = id(&row);
        match work(row).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(err) => tracing::warn!(
                sweep,
                row = %row_id,
                code = err.code().as_str(),
                cause = ?err,
                "sweep skipped a row that failed; it is retried on the next pass"
            ),
        }
    }
    done
}
