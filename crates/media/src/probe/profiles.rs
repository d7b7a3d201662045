//! Codec profiles as ffprobe spells them (libavcodec's profile names), from
//! the `profile` GStreamer's parsers put in the caps (`high-4:4:4`,
//! `main-10`, `0`) or, for ProRes, the caps' `variant`. A profile GStreamer
//! names that ffprobe has no name for stays as GStreamer spells it; none is
//! made up.

/// ffprobe's profile name for `codec` given GStreamer's `profile` (and, for
/// ProRes, its `variant`).
pub fn profile_name(codec: &str, profile: Option<&str>, variant: Option<&str>) -> Option<String> {
    if codec == "prores" {
        return prores(variant?).map(str::to_string);
    }
    let p = profile?;
    let named = match codec {
        "h264" => h264(p),
        "hevc" => hevc(p),
        "vp9" => vp9(p),
        "av1" => match p {
            "main" => Some("Main"),
            "high" => Some("High"),
            "professional" => Some("Professional"),
            _ => None,
        },
        "mpeg4" => mpeg4(p),
        "mpeg2video" => match p {
            "simple" => Some("Simple"),
            "main" => Some("Main"),
            "high" => Some("High"),
            "4:2:2" => Some("4:2:2"),
            "snr" => Some("SNR Scalable"),
            "spatial" => Some("Spatially Scalable"),
            _ => None,
        },
        "aac" | "aac_latm" => match p {
            "lc" => Some("LC"),
            "main" => Some("Main"),
            "ssr" => Some("SSR"),
            "ltp" => Some("LTP"),
            "he-aac" | "he" => Some("HE-AAC"),
            "he-aac-v2" | "he-v2" => Some("HE-AACv2"),
            _ => None,
        },
        _ => None,
    };
    Some(named.map_or_else(|| p.to_string(), str::to_string))
}

fn h264(p: &str) -> Option<&'static str> {
    Some(match p {
        "constrained-baseline" => "Constrained Baseline",
        "baseline" => "Baseline",
        "main" => "Main",
        "extended" => "Extended",
        "high" | "progressive-high" | "constrained-high" => "High",
        "high-10" | "progressive-high-10" => "High 10",
        "high-10-intra" => "High 10 Intra",
        "high-4:2:2" => "High 4:2:2",
        "high-4:2:2-intra" => "High 4:2:2 Intra",
        "high-4:4:4" => "High 4:4:4 Predictive",
        "high-4:4:4-intra" => "High 4:4:4 Intra",
        "cavlc-4:4:4-intra" => "CAVLC 4:4:4",
        "multiview-high" => "Multiview High",
        "stereo-high" => "Stereo High",
        _ => return None,
    })
}

fn hevc(p: &str) -> Option<&'static str> {
    Some(match p {
        "main" => "Main",
        "main-10" => "Main 10",
        "main-still-picture" => "Main Still Picture",
        p if p.starts_with("screen-extended") => "SCC",
        p if p.starts_with("multiview") => "Multiview Main",
        p if p.starts_with("scalable") => "Scalable Main",
        // The range extensions: 12-bit, 4:2:2, 4:4:4, monochrome, intra.
        p if p.starts_with("main-") || p.starts_with("monochrome") || p.starts_with("high-") => {
            "Rext"
        }
        _ => return None,
    })
}

fn vp9(p: &str) -> Option<&'static str> {
    Some(match p {
        "0" => "Profile 0",
        "1" => "Profile 1",
        "2" => "Profile 2",
        "3" => "Profile 3",
        _ => return None,
    })
}

fn mpeg4(p: &str) -> Option<&'static str> {
    Some(match p {
        "simple" => "Simple Profile",
        "advanced-simple" => "Advanced Simple Profile",
        "simple-scalable" => "Simple Scalable Profile",
        "core" => "Core Profile",
        "main" => "Main Profile",
        "n-bit" => "N-bit Profile",
        "scalable" => "Scalable Texture Profile",
        "simple-face" => "Simple Face Animation Profile",
        "basic-animated-texture" => "Basic Animated Texture Profile",
        "hybrid" => "Hybrid Profile",
        "advanced-real-time" => "Advanced Real Time Simple Profile",
        "core-scalable" => "Core Scalable Profile",
        "advanced-coding-efficiency" => "Advanced Coding Efficiency Profile",
        "advanced-core" => "Advanced Core Profile",
        "advanced-scalable-texture" => "Advanced Scalable Texture Profile",
        "simple-studio" => "Simple Studio Profile",
        _ => return None,
    })
}

/// ProRes from the caps' `variant` (the sample entry's fourcc).
fn prores(variant: &str) -> Option<&'static str> {
    Some(match variant {
        "proxy" => "Proxy",
        "lt" => "LT",
        "standard" => "Standard",
        "hq" => "HQ",
        "4444" => "4444",
        "4444xq" => "XQ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::profile_name;

    #[test]
    fn spelled_as_ffprobe_spells_them() {
        let p = |c, p| profile_name(c, Some(p), None);
        assert_eq!(
            p("h264", "high-4:4:4").as_deref(),
            Some("High 4:4:4 Predictive")
        );
        assert_eq!(
            p("h264", "constrained-baseline").as_deref(),
            Some("Constrained Baseline")
        );
        assert_eq!(p("hevc", "main-10").as_deref(), Some("Main 10"));
        assert_eq!(p("hevc", "main-422-10").as_deref(), Some("Rext"));
        assert_eq!(p("vp9", "2").as_deref(), Some("Profile 2"));
        assert_eq!(
            p("mpeg4", "advanced-simple").as_deref(),
            Some("Advanced Simple Profile")
        );
        assert_eq!(p("aac", "lc").as_deref(), Some("LC"));
        assert_eq!(
            profile_name("prores", None, Some("proxy")).as_deref(),
            Some("Proxy")
        );
        // Unknown to ffprobe's tables: kept as GStreamer says it.
        assert_eq!(p("theora", "x").as_deref(), Some("x"));
        assert_eq!(profile_name("h264", None, None), None);
    }
}
