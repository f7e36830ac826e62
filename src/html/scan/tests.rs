//! The scan must give the parser's text whenever it gives any: every case here is run
//! both ways and compared.

use super::plain_text;
use crate::html::text::parsed_text;

/// `Some(text)` when the scan took `html`; panics if it disagrees with the parser.
fn compare(html: &str) -> Option<String> {
    let fast = plain_text(html)?;
    assert_eq!(
        fast,
        parsed_text(html),
        "scan and parser disagree on {html:?}"
    );
    Some(fast)
}

#[test]
fn reads_plain_markup_like_the_parser() {
    for html in [
        "<p>Fish &amp; <b>chips</b></p>",
        "a<br>b<br/>c</br>d",
        "<p>one<p>two</p>three</p>four",
        "x</div>y</li>z</h2>w",
        "<div>a<p>b</div>c</p>d",
        "<ul><li>one<li>two<ul><li>inner</ul>three</li></ul>after",
        "<ol><li>a<div>b<li>c</div></ol>",
        "<dl><dt>term<dd>def<dt>t2</dl>",
        "<h2>Title <a href=\"/x?a=1&amp;b=2\" class='k'>link</a></h2>text",
        "<h1>a<p>b<h2>c",
        "<pre>\nline one\n  line two</pre>after",
        "<blockquote><p>quote</blockquote>x",
        "<header><p>a</header>b",
        "<p>a<header>b</header>c",
        "<figure><img src=x alt='y'><figcaption>cap</figcaption></figure>",
        "<section><article>a</article></section>b",
        "a <!-- hidden <p> --> b<!---->c",
        "a < b > c & d",
        "&lt;tag&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#X43; &hellip;&nbsp;x",
        "caf&eacute;",
        "spon<b>sored</b> and <em>spon</em>sored",
        "<span class=\"highlight\"><span class=\"k\">fn</span> main</span>",
        "<p>a</p>\n\n<p>b</p>",
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody></table>c",
        "<table>\n<tr><td>x<p>y</td>\n</tr>\n</table>",
        "<p>para<table><tr><td>in</td></tr></table>out",
        "<td>stray</td>",
        "<table>stray<tr><td>x</td></tr></table>",
        "<table><tr><td>a<table><tr><td>b</td></tr></table>c</td></tr></table>",
        "<b>1<div>2</b>3</div>4",
        "<a href=x>1<a href=y>2</a>3",
        "<div><b>x</div>y<p>z</b>w",
        "<p>a</P><DIV CLASS=x>b</Div>",
        "<br clear=all/>x<img src=/a/b.png/>y",
        "<p a=\"1\"b=\"2\">x</p>",
        "<p>&#0;&#128;&#xD800;&#x110000;&#xFFFE;</p>",
        "<p>&amp</p>",
        "&ampx; &;",
        "<svg><style>x</style></svg>y",
        "<script>alert(1)</script>ok",
        "<p title='a>b'>c</p>",
        "unclosed <!-- comment",
        "<!--> x",
        "a <? pi ?> b",
        "</ p>x",
        "<p\u{0120}>x",
        "\u{feff}<p>bom</p>",
        "<li>a<li>b",
        "<p>a<li>b</p>c",
        "<dd>a<div>b<dt>c",
        "<h3>a</h4>b",
        "<h2><b>a<h3>b</h3></b></h2>",
        "\u{a0}<p>\u{2003}a\u{3000}b\u{1c}c &nbsp; d\u{85}e\u{b}</p>\t",
    ] {
        compare(html);
    }
}

#[test]
fn takes_the_markup_feeds_use() {
    for html in [
        "<p>Fish &amp; <b>chips</b></p>",
        "<ul><li>one<li>two</ul>",
        "<table><tbody><tr><td>a</td></tr></tbody></table>",
        "<h2 id=\"x\"><a name=\"x\" href=\"#x\"></a>Heading</h2>",
    ] {
        assert!(compare(html).is_some(), "the scan gave up on {html:?}");
    }
}

fn feed_texts(bytes: &[u8]) -> Vec<String> {
    let feed = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .build()
        .parse(bytes)
        .expect("fixture parses");
    feed.entries
        .into_iter()
        .flat_map(|e| [e.summary.map(|s| s.content), e.content.and_then(|c| c.body)])
        .flatten()
        .collect()
}

#[test]
fn agrees_with_the_parser_on_the_example_feeds() {
    let dev = feed_texts(include_bytes!("../../../examples/feeds/dev-community.rss"));
    assert!(!dev.is_empty());
    for html in &dev {
        // The common case, and the one that costs: it must not fall back.
        assert!(compare(html).is_some(), "the scan gave up on a DEV item");
    }
    for html in feed_texts(include_bytes!("../../../examples/feeds/rust-notes.atom"))
        .iter()
        .chain(&feed_texts(include_bytes!(
            "../../../examples/feeds/small-web.json"
        )))
    {
        compare(html);
    }
}

/// Markup soup from a fixed seed: every document the scan accepts must read the same.
/// Returns how many it accepted, so a test can tell that it exercised the scan.
fn soup(pieces: &[&str], documents: usize, seed: u64) -> usize {
    let html = crate::html::generated(pieces, 24, documents, seed);
    html.filter(|html| compare(html).is_some()).count()
}

/// Text pieces for the generated documents, `|`-separated.
const WORDS: &str =
    "\u{2003}|\u{a0}|\u{1f}|é|\t\r| |\n|word|x|<|&|&amp;|&lt;|&#65;|&nbsp;|<!-- c -->";

#[test]
fn agrees_with_the_parser_on_generated_body_markup() {
    let pieces = "<p>|</p>|<div>|</div>|<li>|</li>|<ul>|</ul>|<ol>|</ol>|<h2>|</h2>|<h3>|</h3>|<b>|</b>|\
        <a href='x'>|</a>|<span>|</span>|<em>|</em>|<code>|</code>|<br>|</br>|<hr>|<pre>|</pre>|\
        <blockquote>|</blockquote>|<dl>|<dt>|<dd>|</dd>|</dl>|<header>|</header>|<section>|\
        </section>|<figure>|</figure>|<img src=x>";
    let pieces: Vec<&str> = pieces.split('|').chain(WORDS.split('|')).collect();
    let accepted = soup(&pieces, 12_000, 0x9e37_79b9_7f4a_7c15);
    assert!(accepted > 4000, "only {accepted} took the fast path");
}

#[test]
fn agrees_with_the_parser_on_generated_tables() {
    let pieces = "<table>|</table>|<tbody>|</tbody>|<thead>|</thead>|<tr>|</tr>|<td>|</td>|\
        <th>|</th>|<p>|</p>|<div>|</div>|<b>|</b>|<li>|</li>|<h2>|</h2>";
    let pieces: Vec<&str> = pieces.split('|').chain(WORDS.split('|')).collect();
    let accepted = soup(&pieces, 12_000, 0x2545_f491_4f6c_dd1d);
    assert!(accepted > 1000, "only {accepted} took the fast path");
}

/// Whitespace collapsing, eight bytes at a time, around every window edge.
#[test]
fn collapses_whitespace_at_every_offset() {
    let gaps = [" ", "  ", "\n", " \t ", "\u{a0}", " \u{2003}"];
    for word in ["a", "abcdefg", "abcdefgh", "abcdefghi", "é", "x’y"] {
        for gap in gaps {
            for lead in 0..10 {
                let text = format!(
                    "{}{word}{gap}{word}{gap}{word}{}",
                    " ".repeat(lead % 3),
                    gap.repeat(lead % 2)
                );
                let html = format!("{}<b></b>{text}", "x".repeat(lead));
                // Not `collapse_whitespace`: the scan and the parser both collapse with
                // it, so it cannot be its own oracle.
                let expected = format!("{}{text}", "x".repeat(lead));
                let expected = expected.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(
                    plain_text(&html).as_deref(),
                    Some(expected.as_str()),
                    "{html:?}"
                );
            }
        }
    }
}

/// What the fast path costs against the full path, over the example feeds' items
/// (docs/benchmark.md): `cargo test --release --lib -- --ignored --nocapture text_cost`.
/// A measurement, so ignored: what makes it fair (the scan takes every DEV item and
/// reads it as the parser does) is checked above, in every run.
#[test]
#[ignore]
fn text_cost() {
    let texts = feed_texts(include_bytes!("../../../examples/feeds/dev-community.rss"));
    let bytes: usize = texts.iter().map(String::len).sum();
    let time = |f: &dyn Fn(&str) -> String| {
        let started = std::time::Instant::now();
        for _ in 0..20 {
            for t in &texts {
                std::hint::black_box(f(t));
            }
        }
        started.elapsed().as_secs_f64() / 20.0 * 1e3
    };
    for _ in 0..3 {
        let fast = time(&|h| plain_text(h).unwrap_or_default());
        let full = time(&parsed_text);
        println!(
            "{} items, {bytes} bytes: scan {fast:.2} ms, parser {full:.2} ms",
            texts.len()
        );
    }
}
