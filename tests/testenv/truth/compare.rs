//! A candidate's facts against the reference's, fact by fact, by field class.

use super::*;

fn show<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(T::to_string)
        .unwrap_or_else(|| "(absent)".into())
}

fn show_f(v: Option<f64>) -> String {
    v.map(|x| format!("{}", (x * 1000.0).round() / 1000.0))
        .unwrap_or_else(|| "(absent)".into())
}

struct Out<'a> {
    facts: &'a mut Vec<Fact>,
}

impl Out<'_> {
    fn push(
        &mut self,
        class: &'static str,
        field: String,
        reference: String,
        candidate: String,
        agree: bool,
    ) {
        self.facts.push(Fact {
            class,
            field,
            reference,
            candidate,
            agree,
        });
    }

    /// A fact of the reference (Some), compared for equality.
    fn eq<T: PartialEq + ToString>(
        &mut self,
        class: &'static str,
        field: String,
        r: &Option<T>,
        c: &Option<T>,
    ) {
        if r.is_some() {
            self.push(class, field, show(r), show(c), r == c);
        }
    }

    fn near(
        &mut self,
        class: &'static str,
        field: String,
        r: Option<f64>,
        c: Option<f64>,
        tol: f64,
    ) {
        if let Some(rv) = r {
            let agree = c.is_some_and(|cv| (cv - rv).abs() <= tol);
            self.push(class, field, show_f(r), show_f(c), agree);
        }
    }
}

/// Tolerance of a duration: 1% or 50 ms, whichever is larger.
pub fn duration_tolerance(d: f64) -> f64 {
    (d.abs() * 0.01).max(0.05)
}

/// Compare `cand` against the reference `refr` for the file named `name`
/// (broken files are judged by what they were made to be, not by ffprobe).
pub fn compare(name: &str, refr: Option<&Facts>, cand: &Facts) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut o = Out { facts: &mut facts };
    match expect_for(name) {
        Expect::Truncated => {
            o.push(
                "status",
                "truncated".into(),
                "true".into(),
                cand.truncated.to_string(),
                cand.truncated,
            );
            if let Some(err) = &cand.error {
                o.push(
                    "status",
                    "error".into(),
                    "truncated…".into(),
                    format!("{err:?}"),
                    err.starts_with("truncated"),
                );
            }
            return facts;
        }
        Expect::NotMedia => {
            o.push(
                "status",
                "status".into(),
                "not media".into(),
                if cand.ok { "ok" } else { "not media" }.into(),
                !cand.ok,
            );
            return facts;
        }
        Expect::Media => {}
    }
    let Some(r) = refr else {
        return facts;
    };
    o.push(
        "status",
        "status".into(),
        "ok".into(),
        if cand.ok {
            "ok".to_string()
        } else {
            format!("not ok: {}", cand.error.as_deref().unwrap_or("?"))
        },
        cand.ok,
    );
    if cand.truncated {
        o.push(
            "status",
            "truncated".into(),
            "(absent)".into(),
            "true".into(),
            false,
        );
    }
    o.near(
        "duration",
        "duration".into(),
        r.duration,
        cand.duration,
        r.duration.map(duration_tolerance).unwrap_or(0.0),
    );
    for (k, kind) in KINDS.iter().enumerate() {
        let n = r.streams[k].len();
        let c = cand.counts[k].unwrap_or(cand.streams[k].len());
        o.push(
            "streams",
            format!("{kind}_streams"),
            n.to_string(),
            c.to_string(),
            n == c,
        );
        let none = Stream::default();
        for (idx, rs) in r.streams[k].iter().enumerate() {
            let cs = cand.streams[k].get(idx).unwrap_or(&none);
            let at = |field: &str| format!("{kind}[{idx}].{field}");
            o.eq("codec", at("codec"), &rs.codec, &cs.codec);
            o.eq("codec_tag", at("codec_tag"), &rs.codec_tag, &cs.codec_tag);
            o.eq("width", at("width"), &rs.width, &cs.width);
            o.eq("height", at("height"), &rs.height, &cs.height);
            o.near("fps", at("frame_rate"), rs.fps, cs.fps, 0.01);
            o.eq("channels", at("channels"), &rs.channels, &cs.channels);
            o.eq(
                "sample_rate",
                at("sample_rate"),
                &rs.sample_rate,
                &cs.sample_rate,
            );
            // Untagged is a fact too: the document must say nothing.
            o.push(
                "language",
                at("language"),
                show(&rs.language),
                show(&cs.language),
                rs.language == cs.language,
            );
            o.eq("title", at("title"), &rs.title, &cs.title);
            o.eq(
                "interlacing",
                at("interlaced"),
                &rs.interlaced,
                &cs.interlaced,
            );
            o.eq(
                "interlacing",
                at("field_order"),
                &rs.field_order,
                &cs.field_order,
            );
            o.eq("bit_depth", at("bit_depth"), &rs.bit_depth, &cs.bit_depth);
            o.eq("pix_fmt", at("pix_fmt"), &rs.pix_fmt, &cs.pix_fmt);
            o.eq("rotation", at("rotation"), &rs.rotation, &cs.rotation);
            o.eq("hdr", at("hdr"), &rs.hdr, &cs.hdr);
            o.eq("frames", at("frames"), &rs.frames, &cs.frames);
            if let Some(d) = rs.duration {
                o.near(
                    "stream_duration",
                    at("duration_s"),
                    rs.duration,
                    cs.duration,
                    duration_tolerance(d),
                );
            }
            o.eq("disposition", at("default"), &rs.default, &cs.default);
            o.eq("disposition", at("forced"), &rs.forced, &cs.forced);
        }
    }
    if !r.chapters.is_empty() || !cand.chapters.is_empty() {
        o.push(
            "chapters",
            "chapters".into(),
            r.chapters.len().to_string(),
            cand.chapters.len().to_string(),
            r.chapters.len() == cand.chapters.len(),
        );
        let none = Chapter {
            start: None,
            end: None,
            title: None,
        };
        for (idx, rc) in r.chapters.iter().enumerate() {
            let cc = cand.chapters.get(idx).unwrap_or(&none);
            o.near(
                "chapters",
                format!("chapters[{idx}].start"),
                rc.start,
                cc.start,
                0.05,
            );
            o.near(
                "chapters",
                format!("chapters[{idx}].end"),
                rc.end,
                cc.end,
                0.05,
            );
            o.eq(
                "chapters",
                format!("chapters[{idx}].title"),
                &rc.title,
                &cc.title,
            );
        }
    }
    o.eq(
        "brands",
        "major_brand".into(),
        &r.major_brand,
        &cand.major_brand,
    );
    if r.compatible_brands.is_some() {
        let show_list = |l: &Option<Vec<String>>| {
            l.as_ref()
                .map(|v| v.join("/"))
                .unwrap_or_else(|| "(absent)".into())
        };
        o.push(
            "brands",
            "compatible_brands".into(),
            show_list(&r.compatible_brands),
            show_list(&cand.compatible_brands),
            r.compatible_brands == cand.compatible_brands,
        );
    }
    let (ra, ca) = (r.attachments.unwrap_or(0), cand.attachments.unwrap_or(0));
    if ra > 0 || ca > 0 {
        o.push(
            "attachments",
            "attachments".into(),
            ra.to_string(),
            show(&cand.attachments),
            ra == ca,
        );
    }
    facts
}
