//! latchctl(1): one page with every command, from the same clap definition
//! as `--help`.

use crate::cli::{CSV_FORMAT, ENVIRONMENT, ERRORS, EXAMPLES, EXIT_STATUS};
use clap_mangen::Man;

pub fn render(mut cmd: clap::Command) -> String {
    cmd.build();
    let man = Man::new(cmd.clone());
    let mut out = format!(
        ".TH LATCHCTL 1 \"\" \"latchctl {}\" \"User Commands\"\n",
        cmd.get_version().unwrap_or_default()
    );
    let section = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        f(&mut buf).expect("writing to memory");
        String::from_utf8(buf).expect("roff is UTF-8")
    };
    out += &section(&|w| man.render_name_section(w));
    out += &section(&|w| man.render_synopsis_section(w));
    out += &section(&|w| man.render_description_section(w));
    out += &section(&|w| man.render_options_section(w));
    out += ".SH COMMANDS\n";
    for leaf in leaves(&cmd) {
        out += &command(leaf);
    }
    for (title, text) in [
        ("CSV FORMAT", CSV_FORMAT),
        ("EXIT STATUS", EXIT_STATUS),
        ("DIAGNOSTICS", ERRORS),
        ("ENVIRONMENT", ENVIRONMENT),
        ("EXAMPLES", EXAMPLES),
    ] {
        out += &format!(".SH \"{title}\"\n");
        out += &roff(text);
    }
    out += ".SH \"SEE ALSO\"\n";
    out += "\\fBlatchd\\fR(8), \\fBlatchd.toml\\fR(5), \\fBbusctl\\fR(1)\n";
    // Each rendered piece repeats the definition of the apostrophe string;
    // once, at the top, is enough.
    let mut seen = std::collections::HashSet::new();
    let mut page = String::new();
    for line in out.lines() {
        let defines_aq = line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq");
        if defines_aq && !seen.insert(line.to_string()) {
            continue;
        }
        page += line;
        page += "\n";
    }
    page
}

/// Every command that does something, depth first in definition order.
fn leaves(cmd: &clap::Command) -> Vec<&clap::Command> {
    let mut found = Vec::new();
    // clap's own `help` commands are not latchctl's.
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        if sub.has_subcommands() {
            found.extend(leaves(sub));
        } else {
            found.push(sub);
        }
    }
    found
}

/// One command as a subsection: synopsis, description, options, examples.
fn command(leaf: &clap::Command) -> String {
    let name = leaf.get_bin_name().unwrap_or(leaf.get_name()).to_string();
    // The global options and --help are described once, at the top.
    let mut leaf = leaf.clone();
    for global in ["address", "output", "help", "version"] {
        if leaf.get_arguments().any(|a| a.get_id() == global) {
            leaf = leaf.mut_arg(global, |a| a.hide(true));
        }
    }
    let has_options = leaf.get_arguments().any(|a| !a.is_hide_set());
    let man = Man::new(leaf.clone());
    let render = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        f(&mut buf).expect("writing to memory");
        // The sections of a page become paragraphs of this subsection.
        String::from_utf8(buf)
            .expect("roff is UTF-8")
            .lines()
            .map(|l| {
                if l.starts_with(".SH ") {
                    ".PP".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let mut out = format!(".SS \"{}\"\n", name.replace('-', "\\-"));
    out += &render(&|w| man.render_synopsis_section(w));
    out += &render(&|w| man.render_description_section(w));
    if has_options {
        out += &render(&|w| man.render_options_section(w));
    }
    if let Some(after) = leaf.get_after_long_help() {
        out += ".PP\n";
        out += &roff(&after.to_string());
    }
    out
}

/// Plain help text as roff: indented lines stay as they are, blank lines
/// part paragraphs.
fn roff(text: &str) -> String {
    let mut out = String::new();
    let mut literal = false;
    for line in text.lines() {
        let indented = line.starts_with("  ");
        if indented && !literal {
            out += ".PP\n.RS 4\n.nf\n";
            literal = true;
        } else if !indented && literal {
            out += ".fi\n.RE\n";
            literal = false;
        }
        if line.trim().is_empty() {
            if !literal {
                out += ".PP\n";
            }
            continue;
        }
        let line = if indented { &line[2..] } else { line };
        let escaped = line.replace('\\', "\\e").replace('-', "\\-");
        if escaped.starts_with('.') || escaped.starts_with('\'') {
            out += "\\&";
        }
        out += &escaped;
        out += "\n";
    }
    if literal {
        out += ".fi\n.RE\n";
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_text_becomes_roff() {
        assert_eq!(
            super::roff("Intro --x\n.dot\n  a \\ b\n  c\nafter"),
            "Intro \\-\\-x\n\\&.dot\n.PP\n.RS 4\n.nf\na \\e b\nc\n.fi\n.RE\nafter\n"
        );
    }
}
