//! Streams every item of a paged list, driven by the paging headers the spec names: page after page while `has_more`,
//! or, once the total pages are known, the remaining pages `concurrency` at a time, items kept in order.
//!
//! What a walk guarantees: every page is the page asked for (a host that ignores the page parameter is an
//! error, not a loop of duplicates); a list whose total count or page count changes between pages ends the
//! walk with `Error::ListChanged` (items added or removed during the walk would otherwise shift between
//! pages, repeating some and skipping others); the first error ends the stream. A change that keeps both
//! totals (one item added and one removed between two pages) cannot be seen in the headers.

use crate::client::{ApiResponse, Paging};
use crate::error::{DecodeError, Error, ListChanged};
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
    let walk = stream::once(head).flat_map(move |result| {
        let fetch = fetch.clone();
        let (items, rest): (Vec<Result<T, Error<E>>>, _) = match result.and_then(|r| page_of(r, first, None)) {
            Err(e) => (vec![Err(e)], None),
            Ok((body, paging)) => (body.into_iter().map(Ok).collect(), paging.filter(|p| p.has_more)),
        };
        let rest = match rest {
            None => stream::empty().left_stream(),
            Some(p) if concurrency > 1 && p.total_pages > p.page && counts_agree(&p) => {
                // The page count is known and agrees with the item count: fetch the rest concurrently, in
                // order, each page checked against the first.
                let next = p.page.saturating_add(1);
                stream::iter(next..=p.total_pages)
                    .map(move |page| {
                        let fut = fetch(page);
                        async move { fut.await.and_then(|r| page_of(r, page, Some(&p))) }
                    })
                    .buffered(concurrency)
                    .flat_map(|r| stream::iter(items_of(r)))
                    .left_stream()
                    .right_stream()
            }
            Some(p) => sequential(p, fetch).right_stream().right_stream(),
        };
        stream::iter(items).chain(rest)
    });
    // The first error ends the walk: what would follow it may be shifted or incomplete.
    walk.scan(false, |failed, item| {
        let out = if *failed { None } else { Some(item) };
        *failed |= out.as_ref().is_some_and(Result::is_err);
        std::future::ready(out)
    })
}

/// Whether the page count is what the item count and page size give (a host's headers that disagree are
/// not trusted to say how many pages to fetch at once).
fn counts_agree(p: &Paging) -> bool {
    p.per_page > 0 && p.total_count.div_ceil(p.per_page) == p.total_pages
}

/// A page's items and headers, checked: it is the page asked for, and, after the first, the list's totals
/// are the first page's.
fn page_of<T, E>(
    resp: ApiResponse<Vec<T>>,
    asked: u64,
    first: Option<&Paging>,
) -> Result<(Vec<T>, Option<Paging>), Error<E>> {
    let malformed = |message: String| {
        Error::Decode(Box::new(DecodeError {
            operation: resp.operation,
            status: resp.status,
            path: "(headers)".into(),
            message,
            excerpt: String::new(),
            request_id: resp.request_id.clone(),
        }))
    };
    let paging = resp.paging().map_err(malformed)?;
    if let Some(p) = &paging {
        if p.page != asked {
            return Err(malformed(format!("page {asked} was asked for and page {} answered", p.page)));
        }
        if let Some(f) = first {
            let names = resp.paging_headers;
            let changed = [(f.total_count, p.total_count, names.map(|n| n.total_count)), (f.total_pages, p.total_pages, names.map(|n| n.total_pages))]
                .into_iter()
                .find(|(was, now, _)| was != now);
            if let Some((was, now, header)) = changed {
                return Err(Error::ListChanged(Box::new(ListChanged {
                    operation: resp.operation,
                    page: asked,
                    header: header.unwrap_or("total"),
                    first: was,
                    now,
                    request_id: resp.request_id.clone(),
                })));
            }
        }
    }
    Ok((resp.body, paging))
}

fn items_of<T, E>(r: Result<(Vec<T>, Option<Paging>), Error<E>>) -> Vec<Result<T, Error<E>>> {
    match r {
        Ok((body, _)) => body.into_iter().map(Ok).collect(),
        Err(e) => vec![Err(e)],
    }
}

/// Pages after `first`, one at a time, until a page says there are no more (or comes back empty).
fn sequential<'a, T, E, F, Fut>(first: Paging, fetch: F) -> impl Stream<Item = Result<T, Error<E>>> + 'a
where
    T: 'a,
    E: 'a,
    F: Fn(u64) -> Fut + Clone + 'a,
    Fut: Future<Output = Result<ApiResponse<Vec<T>>, Error<E>>> + 'a,
{
    stream::unfold(first.page.checked_add(1), move |page| {
        let fetch = fetch.clone();
        async move {
            let page = page?;
            match fetch(page).await.and_then(|r| page_of(r, page, Some(&first))) {
                Err(e) => Some((vec![Err(e)], None)),
                Ok((body, paging)) => {
                    let more = paging.is_some_and(|p| p.has_more) && !body.is_empty();
                    let next = if more { page.checked_add(1) } else { None };
                    Some((body.into_iter().map(Ok).collect::<Vec<_>>(), next))
                }
            }
        }
    })
    .flat_map(stream::iter)
}
