//! The command line: one subcommand per method of every interface of
//! `org.latchd.Panel1`. The help texts here are also the man page.

use crate::body::parse_time;
use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXAMPLES: &str =
    "  latchctl identifiers create --type card --number 12:34:56:79 --name Alice
  latchctl identifiers list --sort number --desc --limit 20
  latchctl identifiers export ids.csv
  latchctl identifiers import ids.csv
  latchctl --output json identifiers get 3
  latchctl locks open first
  latchctl access present qr 123e4567-e89b-12d3-a456-426614174000
  latchctl events follow";

pub const EXIT_STATUS: &str = "  0  success
  1  another failure: a file that cannot be read or is wrong, the bus unreachable
  2  usage error (a wrong command line)
  3  BadRequest: latchd refused the request; the message says why
  4  Unauthorized (or org.freedesktop.DBus.Error.AccessDenied of a property):
     you have no role at latchd; call as root or as a member of one of its groups
  5  Forbidden: your role does not allow this (a viewer changing identifiers)
  6  NotFound: the feature is disabled on this panel (a lock that is not configured)
  7  StorageFailed: latchd could not make the change durable; nothing was changed,
     and trying again later is safe
  8  latchd is not running (nobody owns org.latchd.Panel1 on the bus)
  9  any other D-Bus error
 10  HardwareFailed: a lock's relay could not be driven; the door did not open";

pub const ERRORS: &str = "\
Errors go to standard error as the D-Bus error name and the message latchd
sent, for example:
  latchctl: org.latchd.Panel1.Error.BadRequest: Wrong JSON body
A file that cannot be read, or a line of it that is wrong, is named with its
line:
  latchctl: ids.csv:4: max_passes must be a whole number";

pub const CSV_FORMAT: &str = "\
A CSV file has one identifier a line, after a header line (shown here on two):
  uid,type,number,owner_name,owner_type,lock,
  valid_from,valid_to,max_passes,passes_left
uid and passes_left are written by export and ignored by import. Empty
valid_from and valid_to: permanent in time; empty max_passes: permanent
passes (passes_left is empty then too). Times are unix seconds (import also
takes YYYY-MM-DD and YYYY-MM-DDTHH:MM[:SS], in UTC). On import the columns
are found by the header, so they may come in any order; type, number and
owner_name are required, owner_type defaults to owner and lock to first.";

pub const ENVIRONMENT: &str =
    "  DBUS_SYSTEM_BUS_ADDRESS  the system bus's address, when --address is not given";

const TIME_FORMS: &str = "unix seconds, YYYY-MM-DD (midnight at its start) or \
YYYY-MM-DDTHH:MM[:SS], in UTC";

#[derive(Parser, Debug)]
#[command(
    name = "latchctl",
    version,
    about = "Manage latchd, the door controller: identifiers, locks and access events",
    long_about = "\
Manage latchd, the door controller: identifiers, locks and access events.

latchctl talks to latchd over D-Bus (the service org.latchd.Panel1). It
creates, changes, lists, imports and exports the identifiers that open the
door (cards, ukeys, input codes, face vectors, QR codes and licence plates),
shows and opens the locks, presents a credential the way a reader does, and
lists or follows the access events.

latchd decides what you may do from your user and groups (the [auth] section
of latchd.toml): root and its admin groups (latchd-admin by default) may do
everything, viewer groups (latchd-view) may read identifiers, lock states and
events, and feeder groups (latchd-feed) may present credentials. Anyone else
is told to log in.

latchctl uses the system bus unless --address names another one. Tables are
for people; --output json prints JSON for scripts.",
    after_long_help = after_long_help(),
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// D-Bus address of the bus latchd is on [default: the system bus]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "ADDRESS",
        value_parser = parse_address,
        long_help = "D-Bus address of the bus latchd is on, such as \
unix:path=/run/latchd-test/socket for a private bus. Without it latchctl uses the system bus \
(DBUS_SYSTEM_BUS_ADDRESS when that is set)."
    )]
    pub address: Option<String>,

    /// table (for people) or json (for scripts)
    #[arg(
        short = 'o',
        long,
        global = true,
        help_heading = "Global options",
        value_enum,
        value_name = "FORMAT",
        default_value_t = Output::Table,
        long_help = "How results are printed: table (aligned columns, for people) or json \
(for scripts: latchd's own JSON where it has one, else small objects such as {\"uid\":3})."
    )]
    pub output: Output,

    #[command(subcommand)]
    pub command: Command,
}

fn after_long_help() -> String {
    format!("Examples:\n{EXAMPLES}\n\nExit status:\n{EXIT_STATUS}\n\n{ERRORS}")
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Aligned columns for people
    Table,
    /// JSON for scripts
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, change, list, import and export identifiers
    #[command(subcommand)]
    Identifiers(IdentifiersCommand),
    /// Show the lock states and open locks
    #[command(subcommand)]
    Locks(LocksCommand),
    /// Present a credential as a reader would
    #[command(subcommand)]
    Access(AccessCommand),
    /// List or follow the access events
    #[command(subcommand)]
    Events(EventsCommand),
    /// Print shell completions for latchctl on standard output
    #[command(long_about = "\
Print shell completions for latchctl on standard output.

For bash, for example:
  latchctl completions bash > /etc/bash_completion.d/latchctl")]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page latchctl(1) (roff) on standard output
    #[command(long_about = "\
Print the manual page latchctl(1) on standard output, in roff:
  latchctl manpage | man -l -")]
    Manpage,
}

#[derive(Subcommand, Debug)]
pub enum IdentifiersCommand {
    /// Create an identifier; prints its uid
    #[command(
        long_about = "\
Create an identifier and print its uid.

The identifier is built from the flags below, or taken as a JSON body of the
panel API with --json or --file. latchd checks it and refuses duplicates (the
same type and number, in any of its forms: 12:34:56:78, 12-34-56-78 and
305419896 are one card) and the master code or card.",
        after_long_help = "\
Examples:
  latchctl identifiers create --type card --number 12:34:56:79 --name Alice
  latchctl identifiers create --type inputCode --number 4711 --name Guest \\
      --owner-type guest --lock all --from 2026-01-01 --to 2027-01-01 --max-passes 10
  latchctl identifiers create --file alice.json"
    )]
    Create {
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Show one identifier
    #[command(long_about = "\
Show one identifier: its number, owner, lock, validity and the passes it has
left. With --output json, latchd's item as it is.")]
    Get {
        /// The identifier's uid
        uid: u32,
    },
    /// Replace an identifier with a new body
    #[command(
        long_about = "\
Replace an identifier with a new body: whatever the flags (or the JSON body)
do not say is gone, so give the whole identifier. Passes already used stay
used, and the uid stays.",
        after_long_help = "\
Example, moving identifier 3 to both locks:
  latchctl identifiers update 3 --type card --number 12:34:56:79 --name Alice --lock all"
    )]
    Update {
        /// The identifier's uid
        uid: u32,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Delete an identifier
    Delete {
        /// The identifier's uid
        uid: u32,
    },
    /// Delete several identifiers at once: all or none
    #[command(long_about = "\
Delete several identifiers at once. All or none: if one uid does not exist,
nothing is deleted.")]
    DeleteMany {
        /// The identifiers' uids
        #[arg(required = true, num_args = 1..)]
        uids: Vec<u32>,
    },
    /// Create many identifiers from a CSV or JSON file: all or none; prints the new uids
    #[command(
        long_about = format!("\
Create many identifiers from a CSV or JSON file, in one step: if one of them
is refused, none is created and the error names it. Prints the new uids, in
the order of the file.

A JSON file is {{\"list_items\":[body, ...]}}, what export writes (the extra
fields of an exported item are ignored).

{CSV_FORMAT}"),
        after_long_help = "\
Examples:
  latchctl identifiers import ids.csv
  latchctl identifiers export | ssh panel2 latchctl identifiers import - --format json"
    )]
    Import {
        /// The file; - reads standard input (then --format is needed)
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: String,
        /// The file's format [default: from the name, .csv or .json]
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<FileFormat>,
    },
    /// Write every identifier to a CSV or JSON file (or standard output)
    #[command(
        long_about = format!("\
Write every identifier to FILE, or to standard output without one. JSON is
{{\"list_items\":[item, ...]}}, one item a line, which import takes back as it
is.

{CSV_FORMAT}"),
        after_long_help = "\
Examples:
  latchctl identifiers export ids.csv
  latchctl identifiers export --format csv | column -s, -t"
    )]
    Export {
        /// The file to write [default: standard output]
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: Option<String>,
        /// The format [default: from the file's name, .csv or .json; else json]
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<FileFormat>,
    },
    /// List identifiers, a page at a time
    #[command(
        long_about = "\
List identifiers, a page at a time (10 by default, sorted by uid). The table
shows the uid, type, number, owner, lock, validity window and passes left,
and which page of how many it is.",
        after_long_help = "\
Examples:
  latchctl identifiers list --limit 100 --page 2
  latchctl identifiers list --filter type=qr --sort number
  latchctl identifiers list --filter number=12:34:56:79
  latchctl identifiers list --json '{\"limit\":5,\"sort_type\":\"desc\"}'"
    )]
    List {
        #[command(flatten)]
        query: ListArgs,
    },
    /// Give an identifier all its passes back
    #[command(long_about = "\
Give an identifier all its passes back: passes left becomes max passes again.
Nothing happens to an identifier with permanent passes.")]
    ResetPasses {
        /// The identifier's uid
        uid: u32,
    },
    /// Print how many identifiers there are
    Count,
}

/// The body of Create and Update.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Identifier")]
pub struct BodyArgs {
    /// What kind of credential it is
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_parser = ["card", "ukey", "inputCode", "face_id", "qr", "license_plate"],
        required_unless_present_any = ["json", "file"],
        long_help = "What kind of credential it is: card and ukey (decimal, or hex bytes such as \
12:34:56:78), inputCode (1 to 10 digits), face_id (Base64 of the face vector), qr (a UUID) \
or license_plate (letters, digits, spaces and hyphens)"
    )]
    pub kind: Option<String>,

    /// The card number, code, UUID, plate or face vector
    #[arg(long, value_name = "NUMBER", required_unless_present_any = ["json", "file"])]
    pub number: Option<String>,

    /// The owner's name
    #[arg(long, value_name = "NAME", required_unless_present_any = ["json", "file"])]
    pub name: Option<String>,

    /// Whether the owner lives here (owner) or is a guest [default: owner]
    #[arg(long, value_name = "TYPE", value_parser = ["owner", "guest"])]
    pub owner_type: Option<String>,

    /// The lock it opens: first, second or all [default: first]
    #[arg(long, value_name = "LOCK", value_parser = ["first", "second", "all"])]
    pub lock: Option<String>,

    /// Valid from this time on (with --to) [default: permanent in time]
    #[arg(
        long,
        value_name = "TIME",
        requires = "to",
        value_parser = parse_time,
        long_help = format!("Valid from TIME on (needs --to): {TIME_FORMS}. Without \
--from and --to the identifier is valid at any time.")
    )]
    pub from: Option<i64>,

    /// Valid until this time (with --from)
    #[arg(
        long,
        value_name = "TIME",
        requires = "from",
        value_parser = parse_time,
        long_help = format!("Valid until TIME (needs --from): {TIME_FORMS}. Both ends \
count, so --from 2026-01-01 --to 2027-01-01 covers the whole of 2026.")
    )]
    pub to: Option<i64>,

    /// How many times it opens the door [default: no limit]
    #[arg(long, value_name = "N")]
    pub max_passes: Option<u32>,

    /// The whole body as JSON (the panel API's), instead of the flags above
    #[arg(
        long,
        value_name = "BODY",
        conflicts_with_all = ["kind", "number", "name", "owner_type", "lock", "from", "to", "max_passes", "file"],
        long_help = "The whole body as JSON, the panel API's, sent to latchd as it is, instead \
of the flags above: {\"identifier_owner\": {\"name\": \"Alice\", \"type\": \"owner\"}, \
\"identifier_type\": \"card\", \"identifier_number\": \"12:34:56:79\", \"lock\": \"first\"}"
    )]
    pub json: Option<String>,

    /// Read the JSON body from a file (- is standard input)
    #[arg(
        long,
        value_name = "FILE",
        value_hint = clap::ValueHint::FilePath,
        conflicts_with_all = ["kind", "number", "name", "owner_type", "lock", "from", "to", "max_passes"]
    )]
    pub file: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ListArgs {
    /// Identifiers a page, 1 to 1000 [default: 10]
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,

    /// Which page, from 1 [default: 1]
    #[arg(long, value_name = "N")]
    pub page: Option<u32>,

    /// Sort by this field [default: uid]
    #[arg(long, value_enum, value_name = "FIELD")]
    pub sort: Option<Field>,

    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,

    /// Only identifiers whose FIELD is VALUE (numbers in any of their forms)
    #[arg(
        long,
        value_name = "FIELD=VALUE",
        value_parser = parse_filter,
        long_help = "Only identifiers whose FIELD (uid, type, number or lock) equals VALUE. \
Numbers compare in any of their forms: number=305419896 finds card 12:34:56:78."
    )]
    pub filter: Option<(Field, String)>,

    /// The query as JSON, as latchd takes it, instead of the flags above
    #[arg(
        long,
        value_name = "QUERY",
        conflicts_with_all = ["limit", "page", "sort", "desc", "filter"],
        long_help = "The query as JSON, as latchd takes it, instead of the flags above: \
limit, page_number, sort_field, sort_type (asc or desc), filter_field, filter_type (equal), \
filter_format (string), filter_value"
    )]
    pub json: Option<String>,
}

/// The fields latchd sorts and filters by.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    #[value(alias = "identifier_uid")]
    Uid,
    #[value(alias = "identifier_type")]
    Type,
    #[value(alias = "identifier_number")]
    Number,
    Lock,
}

impl Field {
    pub fn api_name(self) -> &'static str {
        match self {
            Field::Uid => "identifier_uid",
            Field::Type => "identifier_type",
            Field::Number => "identifier_number",
            Field::Lock => "lock",
        }
    }
}

fn parse_address(s: &str) -> Result<String, String> {
    s.parse::<zbus::Address>()
        .map(|_| s.to_string())
        .map_err(|e| {
            format!("not a D-Bus address ({e}); for example unix:path=/run/dbus/system_bus_socket")
        })
}

fn parse_filter(s: &str) -> Result<(Field, String), String> {
    let (field, value) = s
        .split_once('=')
        .ok_or_else(|| "expected FIELD=VALUE, such as type=card".to_string())?;
    let field = Field::from_str(field.trim(), true)
        .map_err(|_| format!("unknown field `{field}`: uid, type, number or lock"))?;
    Ok((field, value.to_string()))
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum LocksCommand {
    /// Show whether each lock is locked or open
    States,
    /// Open a lock for its open time (first, second or all)
    #[command(long_about = "\
Open a lock, or both, for the open time latchd is configured with; then it
locks again by itself. A lock that is not configured on this panel is
NotFound (exit status 6).")]
    Open {
        /// Which lock: first, second or all
        #[arg(value_name = "LOCK", value_parser = ["first", "second", "all"])]
        lock: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AccessCommand {
    /// Present a credential: granted or denied, and why (exit status 0 either way)
    #[command(
        long_about = "\
Present a credential to latchd as a reader would: the same decision, the
locks open when it is granted, the attempt is logged and announced as an
access event. Prints granted or denied and the reason; the exit status is 0
either way (it is not an error to be denied).",
        after_long_help = "\
Examples:
  latchctl access present card 12:34:56:79
  latchctl access present license_plate 'AB 123-CD'"
    )]
    Present {
        /// The credential's type
        #[arg(
            value_name = "TYPE",
            value_parser = ["card", "ukey", "inputCode", "face_id", "qr", "license_plate"]
        )]
        kind: String,
        /// The card number, code, UUID, plate or face vector
        #[arg(value_name = "NUMBER")]
        number: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// List the access events, newest first
    #[command(long_about = "\
List the access events latchd has kept, newest first: when (UTC), from where
(a reader, or dbus:uid=N for software), the credential (codes never shown,
card numbers masked), the identifier's uid, granted or not, why, and the
locks opened.")]
    List {
        /// Events a page, 1 to 1000 [default: 10]
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        /// Which page, from 1 [default: 1]
        #[arg(long, value_name = "N")]
        page: Option<u32>,
    },
    /// Print access events as they happen, one a line, until interrupted
    #[command(
        long_about = "\
Print access events as they happen, one a line, until interrupted (Ctrl-C)
or terminated; either ends it with exit status 0. The table's header line
comes once latchctl is listening; with --output json each line is latchd's
event object as it is, for tools such as jq. A restart of latchd does not
end it: the events of the new latchd follow. The bus delivers the events
only to root and the members of the admin and viewer groups; anyone else
sees nothing.",
        after_long_help = "\
Example:
  latchctl --output json events follow | jq --unbuffered 'select(.granted | not)'"
    )]
    Follow,
}
