//! Devices that misbehave: one stuck in its open, a machine without a sound
//! card (alsa-lib's chatter), and the `null` device, far faster than real time.

use super::*;

/// A listing with a device whose open blocks for ever (a `file` device whose
/// `infile` is a FIFO nobody writes) lists the others and marks that one.
#[test]
fn list_devices_skips_a_device_stuck_in_open() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 0.5);
    let fifo = env.path().join("stuck.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut rc = std::fs::read_to_string(env.path().join(".asoundrc")).unwrap();
    rc.push_str(&format!(
        r#"pcm.stuckmic {{
    type plug
    slave.pcm "stuckraw"
    hint {{ show on; description "Stuck microphone" }}
}}
pcm.stuckraw {{ type file; slave.pcm "null"; file "/dev/null"; infile "{}"; format "raw" }}
"#,
        fifo.display()
    ));
    std::fs::write(env.path().join(".asoundrc"), rc).unwrap();

    for json in [true, false] {
        let t0 = Instant::now();
        let args: &[&str] = if json {
            &["record", "--list-devices", "--json"]
        } else {
            &["record", "--list-devices"]
        };
        let out = wait_with_timeout(spawn(&env, args), Duration::from_secs(30));
        let took = t0.elapsed();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(took < Duration::from_secs(10), "the listing took {took:?}");
        assert_eq!(stderr(&out), "", "nothing on stderr");
        let text = stdout(&out);
        if json {
            let list: Vec<Value> = serde_json::from_str(&text).unwrap();
            let stuck = list.iter().find(|d| d["id"] == "stuckmic").expect("listed");
            assert_eq!(stuck["timed_out"], true, "{stuck}");
            assert!(stuck["error"].as_str().unwrap().contains("did not answer"));
            let mic = list.iter().find(|d| d["id"] == "fakemic").expect("listed");
            assert_eq!(mic["timed_out"], false);
            assert!(mic["error"].is_null(), "{mic}");
            assert_eq!(mic["native_formats"], serde_json::json!(["i16"]));
        } else {
            let at = text.lines().position(|l| l.contains("stuckmic")).unwrap();
            let next = text.lines().nth(at + 1).unwrap();
            assert!(
                next.contains("not answering: did not answer within"),
                "{text}"
            );
            assert!(text.contains("fakemic") && text.contains("rates"), "{text}");
        }
    }
}

/// Without any sound card or configuration, the listing says what it found
/// and nothing of alsa-lib's own chatter reaches stderr.
#[test]
fn list_devices_without_a_sound_card_is_quiet() {
    let env = TestEnv::new();
    let out = env.run(&["record", "--list-devices"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no ALSA noise");
    let text = stdout(&out);
    assert!(text.contains("null"), "{text}");
    assert!(!text.contains("ALSA lib"), "{text}");
    // What alsa-lib said is not lost: an unavailable device's reason carries it.
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("unavailable:") {
            let dev = text.lines().nth(i - 1).unwrap();
            assert!(line.contains(": ") && line.ends_with(')'), "{dev}\n{line}");
        }
    }

    // Recording from the (missing) default device: one line, with what
    // alsa-lib said folded in, whether or not the device is queried first.
    for args in [
        &["-t", "1s"][..],
        &["-t", "1s", "-r", "48000", "-c", "1", "-f", "s16"],
    ] {
        let out = env.run(&[&["record"][..], args].concat());
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.contains("device default") && err.contains("(alsa-lib: "),
            "{err}"
        );
    }
}

/// The `null` device delivers silence far faster than real time; when the
/// ring overflows, the warning blames the device's pace, not the disk.
#[test]
fn null_device_losses_name_the_device() {
    let env = TestEnv::new();
    let out_path = env.path().join("null.wav");
    let out = env
        .cmd()
        .args([
            "record", "-d", "null", "-r", "48000", "-c", "2", "-f", "s24",
        ])
        .args(["-t", "60s", "--buffer", "100ms", "--json"])
        .args(["-o", out_path.to_str().unwrap()])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["frames"], 60 * 48_000);
    assert!(summary["pace"].as_f64().unwrap() > 1.5, "{summary}");
    let err = stderr(&out);
    assert!(!err.contains("disk fell behind"), "{err}");
    assert!(!err.contains("ALSA lib"), "{err}");
    // A minute of audio through a 100 ms ring: the writer cannot keep up
    // with a device that only fills memory with zeros.
    let ring_lost = summary["ring_lost_frames"].as_u64().unwrap();
    assert!(ring_lost > 0, "{summary}");
    assert!(err.contains("times faster than real time"), "{err}");
    let doc = &row(&env, &out_path)["doc"];
    let causes: Vec<&Value> = doc["dropouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["cause"])
        .collect();
    assert!(!causes.is_empty() && causes.iter().all(|c| *c == "ring_full"));
    assert_eq!(summary["device_lost_frames"], 0);
}

#[test]
fn unknown_device_lists_the_available_ones() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 0.5);
    let out = env.run(&["record", "--device", "nosuch", "-t", "1s"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(r#"no input device named "nosuch""#), "{err}");
    assert!(err.contains("available:") && err.contains("fakemic") && err.contains("default"));
    assert!(
        !env.path().join("recordings").exists() || {
            std::fs::read_dir(env.path().join("recordings"))
                .unwrap()
                .next()
                .is_none()
        }
    );
}

#[test]
fn list_devices_marks_the_default() {
    let env = TestEnv::new();
    let tone = Tone::new(48000, Fmt::S16, &[(440.0, 0.5)]);
    unpaced_mic(&env, &tone, 0.5);
    let out = env.run(&["record", "--list-devices", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let defaults: Vec<&Value> = list.iter().filter(|d| d["default"] == true).collect();
    assert_eq!(defaults.len(), 1);
    let mic = list
        .iter()
        .find(|d| d["id"] == "fakemic")
        .expect("fakemic listed");
    assert_eq!(mic["name"], "Fake microphone");
    assert!(
        mic["formats"]
            .as_array()
            .unwrap()
            .contains(&Value::from("i16"))
    );
    assert!(
        mic["channels"]
            .as_array()
            .unwrap()
            .contains(&Value::from(2))
    );
    let rates = mic["rates"].as_array().unwrap();
    assert!(
        rates
            .iter()
            .any(|r| r[0].as_u64().unwrap() <= 48_000 && r[1].as_u64().unwrap() >= 48_000)
    );

    let text = stdout(&env.run(&["record", "--list-devices"]));
    assert!(text.lines().any(|l| l.starts_with("* ")), "{text}");
    assert!(text.contains("fakemic") && text.contains("rates"));
}
