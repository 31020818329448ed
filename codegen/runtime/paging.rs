//! Streams every item of a paged list, driven by the paging headers the spec names: page after page while `has_more`,
//! or, once the total pages are known, the remaining pages `concurrency` at a time, items kept in order.

use crate::client::{ApiResponse, Paging};
use crate::error::{DecodeError, Error};
use futures_util::stream::{self, Stream, StreamExt};
use std::future::Future;

/// Every item of every page from `first` on. `fetch(page)` gets one page.
pub fn paginate<'a, T, E, F, Fut>(
    first: u64,
    concurrency: usize,
    fetch: F,
) -> impl Stream<Item = Result<T, Error<E>>> + 'a
where
    T: 'a,
    E: 'a,
    F: Fn(u64) -> Fut + Clone + 'a,
    Fut: Future<Output = Result<ApiResponse<Vec<T>>, Error<E>>> + 'a,
{
    let head = fetch(first);
    stream::once(head).flat_map(move |result| {
        let fetch = fetch.clone();
        let (items, rest): (Vec<Result<T, Error<E>>>, _) = match result.and_then(paging_of) {
            Err(e) => (vec![Err(e)], None),
            Ok((body, paging)) => (body.into_iter().map(Ok).collect(), paging.filter(|p| p.has_more)),
        };
        let rest = match rest {
            None => stream::empty().left_stream(),
            Some(p) if concurrency > 1 && p.total_pages > p.page => {
                // The page count is known: fetch the rest concurrently, in order.
                stream::iter(p.page + 1..=p.total_pages)
                    .map(fetch)
                    .buffered(concurrency)
                    .flat_map(|r| stream::iter(page_items(r)))
                    .left_stream()
                    .right_stream()
            }
            Some(p) => sequential(p.page + 1, fetch).right_stream().right_stream(),
        };
        stream::iter(items).chain(rest)
    })
}

fn paging_of<T, E>(resp: ApiResponse<Vec<T>>) -> Result<(Vec<T>, Option<Paging>), Error<E>> {
    let paging = resp.paging().map_err(|message| {
        Error::Decode(Box::new(DecodeError {
            operation: "paging",
            status: resp.status,
            path: "(headers)".into(),
            message,
            excerpt: String::new(),
            request_id: resp.request_id.clone(),
        }))
    })?;
    Ok((resp.body, paging))
}

fn page_items<T, E>(r: Result<ApiResponse<Vec<T>>, Error<E>>) -> Vec<Result<T, Error<E>>> {
    match r {
        Ok(resp) => resp.body.into_iter().map(Ok).collect(),
        Err(e) => vec![Err(e)],
    }
}

/// Pages from `next` on, one at a time, until a page says there are no more (or comes back empty).
fn sequential<'a, T, E, F, Fut>(next: u64, fetch: F) -> impl Stream<Item = Result<T, Error<E>>> + 'a
where
    T: 'a,
    E: 'a,
    F: Fn(u64) -> Fut + Clone + 'a,
    Fut: Future<Output = Result<ApiResponse<Vec<T>>, Error<E>>> + 'a,
{
    stream::unfold(Some(next), move |page| {
        let fetch = fetch.clone();
        async move {
            let page = page?;
            match fetch(page).await.and_then(paging_of) {
                Err(e) => Some((vec![Err(e)], None)),
                Ok((body, paging)) => {
                    let more = paging.is_some_and(|p| p.has_more) && !body.is_empty();
                    Some((body.into_iter().map(Ok).collect::<Vec<_>>(), more.then_some(page + 1)))
                }
            }
        }
    })
    .flat_map(stream::iter)
}
