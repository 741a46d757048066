//! Progress bars, one per stage. Hidden when stderr is not a terminal or when asked to be quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub enabled: bool,
}

impl Progress {
    /// A bar for one stage over `len` items (sources, indicators, files).
    pub fn stage(&self, name: &str, len: usize) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(
            Some(len as u64),
            if self.enabled {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        if let Ok(style) =
            ProgressStyle::with_template("{prefix:>10.bold} [{bar:32}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_string());
        bar
    }

    /// A bar over sources whose items take long (one streaming pass each): it keeps ticking and
    /// shows the elapsed time so a long file does not look stuck.
    pub fn records(&self, name: &str, sources: usize) -> ProgressBar {
        let bar = self.stage(name, sources);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix:>10.bold} [{bar:32}] {pos}/{len} {spinner} {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    }
}
