//! Gmail's size budget. Gmail cuts a message whose HTML is over about 102 KB and
//! hides the rest behind "[Message clipped] View entire message", which in a digest
//! means the last items and the footer (failed feeds) are never seen.

use super::{RenderError, RenderedDigest};

/// The HTML size above which Gmail clips a message.
pub const GMAIL_CLIP_BYTES: usize = 102_400;

/// The largest rendering that fits, and how many items kept their full content.
pub(super) struct Fitted {
    pub rendered: RenderedDigest,
    pub full_items: usize,
}

/// Finds the most leading items that can keep their full content while the HTML stays
/// within the budget; the rest fall back to excerpts. All `items` in full are known to
/// be over; `attempt(n)` renders with the first `n` in full.
///
/// The size grows with `n`, so a binary search needs about log2(items) renders.
pub(super) fn fit(
    items: usize,
    mut attempt: impl FnMut(usize) -> Result<RenderedDigest, RenderError>,
) -> Result<Fitted, RenderError> {
    let excerpts_only = attempt(0)?;
    if excerpts_only.html.len() > GMAIL_CLIP_BYTES {
        return Ok(Fitted {
            rendered: excerpts_only,
            full_items: 0,
        });
    }
    // Invariant: `lo` items in full fit (and `best` is that rendering); `hi` do not.
    let (mut lo, mut hi) = (0, items);
    let mut best = excerpts_only;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let rendered = attempt(mid)?;
        if rendered.html.len() <= GMAIL_CLIP_BYTES {
            lo = mid;
            best = rendered;
        } else {
            hi = mid;
        }
    }
    Ok(Fitted {
        rendered: best,
        full_items: lo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sized(bytes: usize) -> RenderedDigest {
        RenderedDigest {
            subject: String::new(),
            html: "x".repeat(bytes),
            text: String::new(),
        }
    }

    #[test]
    fn keeps_as_many_full_items_as_fit() {
        // 10 KB of frame, 20 KB per full item: 4 fit (90 KB), 5 do not (110 KB).
        let mut renders = 0;
        let fitted = fit(10, |n| {
            renders += 1;
            Ok(sized(10_000 + n * 20_000))
        })
        .expect("fits");
        assert_eq!(fitted.full_items, 4);
        assert_eq!(fitted.rendered.html.len(), 90_000);
        assert!(renders <= 5, "{renders} renders");
    }

    #[test]
    fn excerpts_only_when_even_that_is_over() {
        let fitted = fit(3, |n| Ok(sized(200_000 + n))).expect("renders");
        assert_eq!(fitted.full_items, 0);
    }
}
