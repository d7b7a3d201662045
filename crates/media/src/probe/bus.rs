//! The bus: errors, missing plugins, tables of contents and global tags, read
//! on the thread that posts them.
//!
//! Invariants: every message is handled in the sync handler and then dropped,
//! so nothing queues on the bus and no wakeup file descriptor is written,
//! polled and read for every message of every file; an error after every
//! stream has been heard is no concern of the probe and is not kept.

use std::sync::Arc;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_pbutils as pbutils;

use super::state::Watch;

/// Errors, missing plugins and global tags from the bus, handled on the thread
/// that posts them and then dropped: nothing queues on the bus, so no wakeup file
/// descriptor is written, polled and read for every message of every file.
pub(super) fn watch(pipeline: &gst::Pipeline, shared: &Arc<Watch>) {
    let bus = pipeline.bus().expect("pipeline has a bus");
    let shared = Arc::downgrade(shared);
    bus.set_sync_handler(move |_, msg| {
        use gst::MessageView;
        let Some(shared) = shared.upgrade() else {
            return gst::BusSyncReply::Drop;
        };
        match msg.view() {
            MessageView::Error(e) => {
                // Once every stream has been heard the file is described; damage
                // further on, which the demuxer may still run into before it stops,
                // is no concern of a probe (a sink would have prerolled already).
                shared.update(|st| {
                    if st.error.is_none() && !st.finished() && !st.heard_all() {
                        st.error = Some(error_text(e.error().message(), e.debug().as_deref()));
                    }
                });
            }
            MessageView::Element(_) => {
                if let Ok(m) = pbutils::MissingPluginMessage::parse(msg) {
                    shared.lock().missing.push(format!(
                        "{} [{}]",
                        m.description(),
                        m.installer_detail()
                    ));
                }
            }
            MessageView::Toc(t) => {
                let mut st = shared.lock();
                if st.toc.is_none() {
                    st.toc = Some(t.toc().0);
                }
            }
            MessageView::Tag(t) => {
                let list = t.tags();
                if list.scope() == gst::TagScope::Global {
                    shared
                        .lock()
                        .global
                        .get_or_insert_with(gst::TagList::new)
                        .make_mut()
                        .insert(&list, gst::TagMergeMode::Keep);
                }
            }
            _ => {}
        }
        gst::BusSyncReply::Drop
    });
}

/// GStreamer's message, with the last line of its debug text when that says
/// more: "Could not demultiplex stream. (Failed to parse Element 0x1c53bb6b)".
fn error_text(message: &str, debug: Option<&str>) -> String {
    let message = message.trim();
    let detail = debug
        .and_then(|d| d.lines().map(str::trim).rfind(|l| !l.is_empty()))
        // A line like "file.c(123): function (): /GstPipeline:p/Element:e" only
        // says where; the detail, when there is one, is on the line after it.
        .filter(|l| !l.contains("(): /") && !message.contains(l));
    match detail {
        Some(d) => format!("{message} ({d})"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_adds_the_detail_but_not_the_source_location() {
        assert_eq!(
            error_text(
                "Could not demultiplex stream.",
                Some(
                    "../gst/matroska/matroska-demux.c(5943): gst_matroska_demux_parse_id (): /GstPipeline:pipeline0/GstMatroskaDemux:matroskademux0:\nFailed to parse Element 0x1c53bb6b"
                )
            ),
            "Could not demultiplex stream. (Failed to parse Element 0x1c53bb6b)"
        );
        assert_eq!(
            error_text(
                "Could not determine type of stream.",
                Some(
                    "../plugins/elements/gsttypefindelement.c(1186): gst_type_find_element_loop (): /GstPipeline:pipeline1/GstTypeFindElement:typefindelement1"
                )
            ),
            "Could not determine type of stream."
        );
        assert_eq!(error_text(" Bad. ", None), "Bad.");
    }
}
