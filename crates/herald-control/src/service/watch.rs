//! The configuration stream the data plane follows.

use super::*;

pub(super) async fn watch(
    svc: &ControlService,
    request: Request<WatchRequest>,
) -> Result<Response<WatchStream>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    allow(&principal, &view, Action::WatchConfig)?;
    drop(view);
    let internal = matches!(principal, Principal::Internal);
    let (tx, rx) = mpsc::channel::<Result<WatchEvent, Status>>(256);
    let store = svc.store.clone();
    let shutdown = svc.shutdown.clone();
    tokio::spawn(async move {
        let _watcher = store.watcher();
        'resync: loop {
            let (view, mut changes) = store.watch();
            let revision = view.revision;
            if tx.send(Ok(snapshot_event(&view, internal))).await.is_err() {
                return;
            }
            drop(view);
            loop {
                let change = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tx.closed() => return,
                    c = changes.recv() => c,
                };
                match change {
                    Ok(c) if c.revision <= revision => {}
                    Ok(c) => {
                        if tx.send(Ok(change_event(&c, internal))).await.is_err() {
                            return;
                        }
                    }
                    // Too slow to keep up: start over from a fresh snapshot.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue 'resync,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
    Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
}
