//! Mixwerk Strip as a standalone application (`--features standalone`).

fn main() {
    nice_plug::nice_export_standalone::<strip::MixwerkStrip>();
}
