//! Gmail's size budget. Gmail cuts a message whose HTML is over about 102 KB and
//! hides the rest behind "[Message clipped] View entire message", which in a digest
//! means the last items and the footer (failed feeds) are never seen.
//!
//! A digest that is over is shown with less, in steps, until it fits: `content: full`
//! items become excerpts from the tail, then every excerpt gets shorter (down to
//! 80 characters), then the items at the tail keep only their titles. The header and
//! footer are never cut.

use super::item::Shown;
use super::{RenderError, RenderedDigest};

/// The HTML size above which Gmail clips a message.
pub(crate) const GMAIL_CLIP_BYTES: usize = 102_400;

/// The shortest an excerpt becomes before items lose theirs altogether.
const SHORTEST_EXCERPT: usize = 80;

/// How close to the longest excerpt that fits the search gets.
const EXCERPT_STEP: usize = 10;

/// How much of each item one render shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Plan {
    /// The first `full_items` show their full content (with `content: full`).
    pub full_items: usize,
    /// The others show excerpts of at most this many characters,
    pub excerpt_chars: usize,
    /// except items from this index on, which show only their title.
    pub title_only_from: usize,
}

impl Plan {
    /// Everything as the digest asks.
    pub(super) fn whole(items: usize, full: bool, excerpt_chars: usize) -> Plan {
        Plan {
            full_items: if full { items } else { 0 },
            excerpt_chars,
            title_only_from: items,
        }
    }

    /// How the item at `index` is shown.
    pub(super) fn shown(&self, index: usize) -> Shown {
        if index >= self.title_only_from {
            Shown::TitleOnly
        } else if index < self.full_items {
            Shown::Full
        } else {
            Shown::Excerpt(self.excerpt_chars)
        }
    }
}

/// The rendering that fits, and the plan that made it.
pub(super) struct Fitted {
    pub rendered: RenderedDigest,
    pub plan: Plan,
}

impl Fitted {
    /// What was left out, for the warning on stderr: `whole` is the plan that rendered
    /// `whole_size` bytes, over the budget.
    pub(super) fn warning(&self, whole: &Plan, whole_size: usize) -> String {
        let (plan, all, size) = (self.plan, whole.title_only_from, self.rendered.html.len());
        if size > GMAIL_CLIP_BYTES {
            return format!(
                "the HTML is {size} bytes even with titles only, and Gmail clips messages \
                 over {GMAIL_CLIP_BYTES}; lower max_items"
            );
        }
        let how = if plan.title_only_from < all {
            let titles = all - plan.title_only_from;
            format!("the last {titles} of {all} items show only their titles")
        } else if plan.excerpt_chars < whole.excerpt_chars {
            format!("excerpts are cut to {} characters", plan.excerpt_chars)
        } else {
            let excerpts = all - plan.full_items;
            format!("the last {excerpts} of {all} items are shown as excerpts")
        };
        format!(
            "the HTML would be {whole_size} bytes and Gmail clips messages over \
             {GMAIL_CLIP_BYTES}; {how}"
        )
    }
}

/// Finds the plan that shows the most while the HTML stays within the budget. The
/// `whole` plan is known to be over. Each step's size grows monotonically with the
/// quantity it varies, so a binary search needs about log2(items) renders per step.
/// When even titles alone are over, that smallest rendering is returned.
pub(super) fn fit(
    whole: Plan,
    mut attempt: impl FnMut(&Plan) -> Result<RenderedDigest, RenderError>,
) -> Result<Fitted, RenderError> {
    let fits = |r: RenderedDigest| Some(r).filter(|r| r.html.len() <= GMAIL_CLIP_BYTES);
    let excerpts = Plan {
        full_items: 0,
        ..whole
    };
    // With `content: full`, the most leading items that can stay whole.
    let items = (0, whole.full_items);
    if items.0 < items.1
        && let Some(least) = fits(attempt(&excerpts)?)
    {
        let set = |p: &mut Plan, n| p.full_items = n;
        return largest(excerpts, set, items, 1, Some(least), attempt);
    }
    // The longest excerpts that fit.
    let shortest = Plan {
        excerpt_chars: SHORTEST_EXCERPT.min(whole.excerpt_chars),
        ..excerpts
    };
    let chars = (shortest.excerpt_chars, whole.excerpt_chars);
    if chars.0 < chars.1
        && let Some(least) = fits(attempt(&shortest)?)
    {
        let set = |p: &mut Plan, n| p.excerpt_chars = n;
        return largest(shortest, set, chars, EXCERPT_STEP, Some(least), attempt);
    }
    // The most leading items that keep their excerpts, the others only their titles.
    // Titles alone are the answer even when over, so they are rendered only when
    // nothing more fits.
    let set = |p: &mut Plan, n| p.title_only_from = n;
    largest(shortest, set, (0, whole.title_only_from), 1, None, attempt)
}

/// `plan` with the largest `n` between `lo` and `hi` (to within `step`) set by `set`
/// whose rendering fits, given that `hi` does not and that `lo` does (`best` is its
/// rendering, when made) or is the least there is.
fn largest(
    plan: Plan,
    set: fn(&mut Plan, usize),
    (mut lo, mut hi): (usize, usize),
    step: usize,
    mut best: Option<RenderedDigest>,
    mut attempt: impl FnMut(&Plan) -> Result<RenderedDigest, RenderError>,
) -> Result<Fitted, RenderError> {
    let with = |n| {
        let mut plan = plan;
        set(&mut plan, n);
        plan
    };
    while hi - lo > step {
        let mid = lo + (hi - lo) / 2;
        let rendered = attempt(&with(mid))?;
        if rendered.html.len() <= GMAIL_CLIP_BYTES {
            (lo, best) = (mid, Some(rendered));
        } else {
            hi = mid;
        }
    }
    Ok(Fitted {
        rendered: best.map_or_else(|| attempt(&with(lo)), Ok)?,
        plan: with(lo),
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
        // 10 KB of frame, 20 KB per full item, 1 KB per excerpt: 4 fit (96 KB), 5 do not.
        let mut renders = 0;
        let fitted = fit(Plan::whole(10, true, 300), |p| {
            renders += 1;
            Ok(sized(
                10_000 + p.full_items * 20_000 + (10 - p.full_items) * 1_000,
            ))
        })
        .expect("fits");
        assert_eq!(fitted.plan.full_items, 4);
        assert_eq!(fitted.plan.excerpt_chars, 300);
        assert_eq!(fitted.rendered.html.len(), 96_000);
        assert!(renders <= 6, "{renders} renders");
    }

    /// 10 KB of frame; an item costs its excerpt plus `extra` bytes, or 300 as a title.
    fn excerpt_digest(p: &Plan, extra: usize) -> Result<RenderedDigest, RenderError> {
        let shown = p.title_only_from;
        Ok(sized(
            10_000 + shown * (p.excerpt_chars + extra) + (100 - shown) * 300,
        ))
    }

    #[test]
    fn shortens_excerpts_before_dropping_them() {
        // 100 items: 400 chars → 110 KB, over; 324 chars → 102.4 KB, the most that fits.
        let mut renders = 0;
        let fitted = fit(Plan::whole(100, false, 400), |p| {
            renders += 1;
            excerpt_digest(p, 600)
        })
        .expect("fits");
        assert!(
            (314..=324).contains(&fitted.plan.excerpt_chars),
            "{}",
            fitted.plan.excerpt_chars
        );
        assert_eq!(fitted.plan.title_only_from, 100);
        assert!(fitted.rendered.html.len() <= GMAIL_CLIP_BYTES);
        assert!(renders <= 8, "{renders} renders");
    }

    #[test]
    fn then_the_tail_keeps_only_titles() {
        // At 80 chars: 10 KB + 100 × 680 = 78 KB fits; make items dearer so it does not.
        let mut renders = 0;
        let fitted = fit(Plan::whole(100, false, 300), |p| {
            renders += 1;
            excerpt_digest(p, 1_200)
        })
        .expect("fits");
        assert_eq!(fitted.plan.excerpt_chars, SHORTEST_EXCERPT);
        // 10_000 + n × 1_280 + (100 − n) × 300 ≤ 102_400 → n ≤ 63.
        assert_eq!(fitted.plan.title_only_from, 63);
        assert!(fitted.rendered.html.len() <= GMAIL_CLIP_BYTES);
        // 80 chars, then a binary search over 100 items: titles alone are never needed.
        assert!(renders <= 8, "{renders} renders");
    }

    #[test]
    fn titles_only_when_even_that_is_over() {
        let fitted = fit(Plan::whole(3, false, 300), |p| {
            Ok(sized(200_000 + p.title_only_from))
        })
        .expect("renders");
        assert_eq!(fitted.plan.title_only_from, 0);
    }
}
