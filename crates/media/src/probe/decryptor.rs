//! A decryptor that is registered and never made. qtdemux and matroskademux
//! stop an encrypted stream ("stream is protected, but no suitable decryptor
//! element has been found") unless the registry holds an element of the
//! `Decryptor` class for its protection system; with this one registered
//! they describe the stream as `application/x-cenc` (or
//! `application/x-webm-enc`) with its original media type, which is all a
//! probe reads. Nothing is decrypted and no key is needed: the probe never
//! plugs a decryptor (only demuxers and parsers), so no instance exists.
//!
//! Invariants: registered once per process, at the rank qtdemux's search
//! takes (marginal), for any protection system.

use std::sync::{LazyLock, Once};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;

/// The protection systems of the DASH-IF registry a demuxer may name:
/// Widevine, PlayReady, W3C Common (ClearKey), FairPlay, Marlin, Adobe
/// Primetime, Nagra, ChinaDRM, Verimatrix, Irdeto, Alticast, Arris Titanium,
/// Latens, Conax, Google ClearKey.
const SYSTEMS: [&str; 15] = [
    "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",
    "9a04f079-9840-4286-ab92-e65be0885f95",
    "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",
    "94ce86fb-07ff-4f43-adb8-93d2fa968ca2",
    "5e629af5-38da-4063-8977-97ffbd9902d4",
    "f239e769-efa3-4850-9c16-a903c6932efb",
    "adb41c24-2dbf-4a6d-958b-4457c0d27b95",
    "3d5e6d35-9b9a-41e8-b843-dd3c6e72c42c",
    "9a27dd82-fde2-4725-8cbc-4234aa06ec09",
    "80a6be7e-1448-4c37-9e70-d5aebe04c8d2",
    "6a99532d-869f-5922-9a91-113ab7b1e2f3",
    "279fe473-512c-48fe-ade8-d176fee6b40f",
    "644fe7b5-260f-4fad-949a-0762ffb054b4",
    "b4413586-c58c-ffb0-94a5-d4896c1af6c3",
    "e2719d58-a985-b3c9-781a-b030af78d30e",
];

mod imp {
    use super::*;
    use gstreamer::subclass::prelude::*;

    #[derive(Default)]
    pub struct Stub;

    #[glib::object_subclass]
    impl ObjectSubclass for Stub {
        const NAME: &'static str = "MediadexDecryptorStub";
        type Type = super::Stub;
        type ParentType = gst::Element;
    }

    impl ObjectImpl for Stub {}
    impl GstObjectImpl for Stub {}

    impl ElementImpl for Stub {
        fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
            static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                gst::subclass::ElementMetadata::new(
                    "mediadex decryptor stub",
                    "Decryptor",
                    "Lets demuxers describe encrypted streams; never decrypts",
                    "mediadex",
                )
            });
            Some(&META)
        }

        fn pad_templates() -> &'static [gst::PadTemplate] {
            static PADS: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
                let mut sink = gst::Caps::new_empty();
                {
                    let caps = sink.get_mut().expect("new caps");
                    for name in ["application/x-cenc", "application/x-webm-enc"] {
                        caps.append_structure(gst::Structure::new_empty(name));
                        // qtdemux looks for a decryptor that names the file's
                        // system, one structure each.
                        for id in SYSTEMS {
                            caps.append_structure(
                                gst::Structure::builder(name)
                                    .field("protection-system", id)
                                    .build(),
                            );
                        }
                    }
                }
                vec![
                    gst::PadTemplate::new(
                        "sink",
                        gst::PadDirection::Sink,
                        gst::PadPresence::Always,
                        &sink,
                    )
                    .expect("sink template"),
                    gst::PadTemplate::new(
                        "src",
                        gst::PadDirection::Src,
                        gst::PadPresence::Always,
                        &gst::Caps::new_any(),
                    )
                    .expect("src template"),
                ]
            });
            PADS.as_ref()
        }
    }
}

glib::wrapper! {
    pub struct Stub(ObjectSubclass<imp::Stub>) @extends gst::Element, gst::Object;
}

/// Register the stub (once per process; after `gst::init`).
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = gst::Element::register(
            None,
            "mediadexdecryptorstub",
            gst::Rank::MARGINAL,
            Stub::static_type(),
        );
    });
}
