//! latchd(8): NAME, SYNOPSIS and OPTIONS from the clap definition of
//! latchd's arguments ([`super::args`]), set into the hand-written page
//! `docs/man/src/latchd.8` (the description, the bus, signals, systemd,
//! files, environment, exit status). `docs/man/latchd.8` is what this
//! renders, committed; a test fails when it is stale.

use super::args::Args;
use clap::CommandFactory;
use clap_mangen::Man;

const SOURCE: &str = include_str!("../../docs/man/src/latchd.8");

/// The whole page, in roff.
pub fn render() -> String {
    let mut cmd = Args::command();
    cmd.build();
    let man = Man::new(cmd.clone());
    let section = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        f(&mut buf).expect("writing to memory");
        String::from_utf8(buf).expect("roff is UTF-8")
    };
    let mut page = format!(
        ".TH LATCHD 8 \"\" \"latchd {}\" \"System Administration\"\n",
        cmd.get_version().unwrap_or_default()
    );
    // The source's first comment lines say how the page is made.
    let body = SOURCE.lines().skip_while(|l| l.starts_with(".\\\""));
    let mut seen = std::collections::HashSet::new();
    for line in body {
        let generated = match line {
            "@NAME@" => section(&|w| man.render_name_section(w)),
            "@SYNOPSIS@" => section(&|w| man.render_synopsis_section(w)),
            "@OPTIONS@" => section(&|w| man.render_options_section(w)),
            _ => line.to_string(),
        };
        for line in generated.lines() {
            // Each rendered piece repeats the definition of the apostrophe
            // string; once is enough.
            let defines_aq =
                line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq");
            if defines_aq && !seen.insert(line.to_string()) {
                continue;
            }
            page += line;
            page += "\n";
        }
    }
    page
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_man_page_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man/latchd.8");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == super::render(),
            "docs/man/latchd.8 differs from what latchd's arguments and docs/man/src/latchd.8 \
             give. Regenerate it with\n    cargo run --example latchd_manpage > docs/man/latchd.8\n\
             and commit it."
        );
    }

    #[test]
    fn every_option_and_section_is_on_the_page() {
        let page = super::render();
        for option in [
            "config",
            "bus\\-address",
            "check\\-config",
            "reseal",
            "help",
            "version",
        ] {
            assert!(page.contains(&format!("\\-\\-{option}")), "--{option}");
        }
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "D-BUS INTERFACES",
            "AUTHORIZATION",
            "SIGNALS",
            "SYSTEMD",
            "FILES",
            "ENVIRONMENT",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(page.contains(&format!(".SH {section}\n")), "{section}");
        }
        for marker in ["@NAME@", "@SYNOPSIS@", "@OPTIONS@"] {
            assert!(!page.contains(marker), "{marker}");
        }
    }
}
