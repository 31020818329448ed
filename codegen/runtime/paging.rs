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
        let (items, rest): (Vec<Result<T, Error<E>>>, _) = match result.and_then(|r| page_of(r, first, None, None)) {
            Err(e) => (vec![Err(e)], None),
            Ok((body, paging)) => {
                let trusted = paging.filter(|p| promised(p, p.page) == Some(body.len() as u64));
                (body.into_iter().map(Ok).collect(), paging.filter(|p| p.has_more).map(|p| (p, trusted.is_some())))
            }
        };
        let rest = match rest {
            None => stream::empty().left_stream(),
            Some((p, true)) if concurrency > 1 && p.total_pages > p.page => {
                // The page count is known, agrees with the item count and with the first page: fetch the rest
                // concurrently, in order, each page checked against the first and against what it promised.
                let next = p.page.saturating_add(1);
                stream::iter(next..=p.total_pages)
                    .map(move |page| {
                        let fut = fetch(page);
                        async move { fut.await.and_then(|r| page_of(r, page, Some(&p), promised(&p, page))) }
                    })
                    .buffered(concurrency)
                    .flat_map(|r| stream::iter(items_of(r)))
                    .left_stream()
                    .right_stream()
            }
            Some((p, _)) => sequential(p, fetch).right_stream().right_stream(),
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

/// How many items page `page` holds by the first page's headers, when the headers agree with each other
/// (the page count is what the item count and page size give). Headers that do not agree are not trusted to
/// say how many pages to fetch at once.
fn promised(p: &Paging, page: u64) -> Option<u64> {
    if p.per_page == 0 || p.total_count.div_ceil(p.per_page) != p.total_pages || page == 0 || page > p.total_pages {
        return None;
    }
    let before = p.per_page.checked_mul(page - 1)?;
    Some(p.total_count.checked_sub(before)?.min(p.per_page))
}

/// A page's items and headers, checked: it is the page asked for; after the first, the list's totals are
/// the first page's; and a page fetched concurrently holds the `count` items the first page promised (a host
/// whose pages run short past what it said would otherwise be walked to its page count, however large).
fn page_of<T, E>(
    resp: ApiResponse<Vec<T>>,
    asked: u64,
    first: Option<&Paging>,
    count: Option<u64>,
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
    let held = resp.body.len() as u64;
    if let Some(promised) = count.filter(|c| *c != held) {
        return Err(Error::ListChanged(Box::new(ListChanged {
            operation: resp.operation,
            page: asked,
            header: "items on the page",
            first: promised,
            now: held,
            request_id: resp.request_id.clone(),
        })));
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
            match fetch(page).await.and_then(|r| page_of(r, page, Some(&first), None)) {
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
