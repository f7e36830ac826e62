use super::rewrite;

fn rewritten(doc: &str) -> (String, Vec<String>) {
    let r = rewrite(doc).expect("readable XML");
    let text = String::from_utf8(r.doc).expect("UTF-8");
    let entries = r.entries.iter().map(|s| text[s.clone()].to_string());
    (text.clone(), entries.collect())
}

#[test]
fn rss_090_takes_rss_10_namespace_and_entries_are_located() {
    let (doc, entries) = rewritten(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>T</title></channel>\
         <item><title>A</title><link>http://a/</link></item><item><title>B</title><link>http://b/</link></item></rdf:RDF>",
    );
    assert!(doc.contains("xmlns=\"http://purl.org/rss/1.0/\""), "{doc}");
    assert_eq!(
        entries,
        [
            "<item><title>A</title><link>http://a/</link></item>",
            "<item><title>B</title><link>http://b/</link></item>"
        ]
    );
}

#[test]
fn rss_items_get_the_link_their_about_stands_for() {
    let (_, entries) = rewritten(
        "<rdf:RDF xmlns:rdf=\"r\" xmlns:rss=\"http://purl.org/rss/1.0/\">\
         <rss:item rdf:about=\"https://x/&amp;3\"><rss:title>T</rss:title></rss:item></rdf:RDF>",
    );
    assert_eq!(
        entries,
        [
            "<rss:item rdf:about=\"https://x/&amp;3\"><rss:title>T</rss:title><rss:link>https://x/&amp;3</rss:link></rss:item>"
        ]
    );
}

#[test]
fn legacy_and_failing_fields_are_rewritten() {
    for (doc, expected) in [
        // Atom 0.3 maps onto Atom 1.0.
        (
            "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><tagline>Sub</tagline><entry>\
             <issued>2024-01-01T00:00:00Z</issued><modified>2024-01-02T00:00:00Z</modified>\
             <content type=\"text/html\" mode=\"escaped\">&lt;p&gt;Hi&lt;/p&gt;</content>\
             <summary type=\"text/plain\" mode=\"base64\">SGVsbG8=</summary></entry></feed>",
            "<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\"><subtitle type=\"text\">Sub</subtitle><entry>\
             <published>2024-01-01T00:00:00Z</published><updated>2024-01-02T00:00:00Z</updated>\
             <content type=\"html\">&lt;p&gt;Hi&lt;/p&gt;</content>\
             <summary type=\"text\">Hello</summary></entry></feed>",
        ),
        // Atom fields feed-rs would fail on are dropped or retyped.
        (
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title type=\"application/x-custom\">T</title>\
             <summary></summary><content type=\"application/octet-stream\">AAEC</content></entry></feed>",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title type=\"text\">T</title></entry></feed>",
        ),
        // Naked markup in an RSS title is reduced to its text.
        (
            "<rss version=\"0.94\"><channel><item><title><p>Item &amp; <b>Title</b></p></title></item></channel></rss>",
            "<rss version=\"2.0\"><channel><item><title>Item &amp; Title</title></item></channel></rss>",
        ),
    ] {
        assert_eq!(rewritten(doc).0, expected);
    }
}

#[test]
fn a_broken_entry_is_lost_and_reading_resumes_after_it() {
    let r = rewrite(
        "<rss version=\"2.0\"><channel><item><title>Salt &amp; pepper</title></item>\
         <item><title>a <!b</title></item><item><title>c</title></item></channel></rss>",
    )
    .expect("the entries around the break");
    assert_eq!(
        String::from_utf8(r.doc).expect("UTF-8"),
        "<rss version=\"2.0\"><channel><item><title>Salt &amp; pepper</title></item>\
         <item><title>c</title></item></channel></rss>"
    );
    assert_eq!((r.entries.len(), r.lost), (2, 1));
    assert!(
        rewrite("<rss version=\"2.0\"><channel><item><title>a <!b</title></item></channel></rss>")
            .is_none()
    );
}
