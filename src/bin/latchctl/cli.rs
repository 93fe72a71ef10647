//! The command line: one subcommand per method of every interface of
//! `org.latchd.Panel1`. The help texts here are also the man page.

use crate::body::{parse_time, parse_weekdays};
use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXAMPLES: &str =
    "  latchctl identifiers create --type card --number 12:34:56:79 --name Alice
  latchctl identifiers list --sort number --desc --limit 20
  latchctl identifiers export ids.csv
  latchctl identifiers import ids.csv
  latchctl --output json identifiers get 3
  latchctl profiles create --name 'Work week' --from 2026-01-01T07:00 \\
      --to 2026-01-01T17:00 --weekdays MON,TUE,WED,THU,FRI
  latchctl identifiers attach 3 1
  latchctl apartments create --name 'Flat 12' --building 1 --unit 0 --floor 3 --room 12
  latchctl apartments bind 1 3
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
owner_name are required, owner_type defaults to owner and lock to first.

Names and numbers are read exactly as written, spaces included, so export
then import gives every one back byte for byte: a field with a comma, a
double quote or a line break is in double quotes, its double quotes doubled
(RFC 4180). Spaces around the header's names and around the other fields
(words, times and max_passes) are ignored.

So that a spreadsheet does not run a field as a formula, export writes a
text field that starts with =, +, -, @, a tab, CR, LF or NUL with a single
quote (') in front, and one that is single quotes followed by one of those
with one more single quote. Import takes one leading single quote off a
field exactly when the rest is single quotes followed by one of those
characters. So every name reads back as it was: the field '=1+1 is the name
=1+1, ''=1 is '=1, and 'x and O'Brien stay as they are.";

pub const ENVIRONMENT: &str =
    "  DBUS_SYSTEM_BUS_ADDRESS  the system bus's address, when --address is not given";

const TIME_FORMS: &str = "unix seconds, YYYY-MM-DD (midnight at its start) or \
YYYY-MM-DDTHH:MM[:SS], in UTC";

#[derive(Parser, Debug)]
#[command(
    name = "latchctl",
    version,
    about = "Manage latchd, the door controller: identifiers, time profiles, apartments, locks \
and access events",
    long_about = "\
Manage latchd, the door controller: identifiers, time profiles, apartments,
locks and access events.

latchctl talks to latchd over D-Bus (the service org.latchd.Panel1). It
creates, changes, lists, imports and exports the identifiers that open the
door (cards, ukeys, input codes, face vectors, QR codes and licence plates),
keeps the time profiles that limit when an identifier opens and the
apartments identifiers belong to, shows and opens the locks, presents a
credential the way a reader does, and lists or follows the access events.

latchd decides what you may do from your user and groups (the [auth] section
of latchd.toml): root and its admin groups (latchd-admin by default) may do
everything, viewer groups (latchd-view) may read identifiers, time profiles,
apartments, lock states and events, and feeder groups (latchd-feed) may present credentials. Anyone else
is told to log in.

latchctl uses the system bus unless --address names another one. Tables are
for people; --output json prints JSON for scripts.

Names and other text come from whoever wrote them, so tables and messages
show the characters a terminal would act on escaped: control characters as
\\n, \\r, \\t or \\x1b (escape), C1 controls, line separators and bidi
controls (such as U+202E, right-to-left override) as \\u{202e}, and a
backslash as \\\\. JSON output is latchd's own, with JSON's escapes.",
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
    /// Create, change, list, import and export identifiers; QR codes, time profiles
    #[command(subcommand)]
    Identifiers(IdentifiersCommand),
    /// Create, change and list time profiles: when attached identifiers open
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Create, change and list apartments, and bind identifiers to them
    #[command(subcommand)]
    Apartments(ApartmentsCommand),
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

The export holds every PIN and card number, so FILE is made readable and
writable by its owner only (mode 0600, whatever the umask), also when it
was there before with wider permissions; if that cannot be done, nothing is
written.

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
    /// Write the PNG of a qr identifier's QR code to a file
    #[command(
        long_about = "\
Write the QR code of a qr identifier, as a PNG image latchd draws, to FILE,
or to standard output with --out -. Only identifiers of type qr have one;
any other is BadRequest (exit status 3).",
        after_long_help = "\
Examples:
  latchctl identifiers qr 3 --out bob.png
  latchctl identifiers qr 3 --out - | lp"
    )]
    Qr {
        /// The identifier's uid
        uid: u32,
        /// The PNG file to write; - writes to standard output
        #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        out: String,
    },
    /// Attach a time profile: the identifier opens only inside its profiles
    #[command(long_about = "\
Attach a time profile to an identifier. An identifier with time profiles
attached opens the door only inside one of them (and inside its own
validity). Attaching a profile that is already attached changes nothing.")]
    Attach {
        /// The identifier's uid
        uid: u32,
        /// The time profile's uid
        #[arg(value_name = "PROFILE_UID")]
        profile_uid: u32,
    },
    /// Detach a time profile from an identifier
    #[command(long_about = "\
Detach a time profile from an identifier. Once the last one is detached the
identifier opens at any time of its validity again.")]
    Detach {
        /// The identifier's uid
        uid: u32,
        /// The time profile's uid
        #[arg(value_name = "PROFILE_UID")]
        profile_uid: u32,
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

#[derive(Subcommand, Debug)]
pub enum ProfilesCommand {
    /// Create a time profile; prints its uid
    #[command(
        long_about = format!("\
Create a time profile and print its uid.

A time profile is a recurring calendar event: its first occurrence is --from
to --to (the whole days with --all-day), repeated as --repeat or --weekdays
say, until --until or for ever. latchd reads it in the wall-clock time of the
panel's time zone. The flags cover the common cases; any other profile (every
other week, days of the month, ...) is given as a JSON body of the panel API
with --json or --file.

{PROFILE_FLAGS}"),
        after_long_help = "\
Examples:
  latchctl profiles create --name 'Work week' --from 2026-01-01T07:00 \\
      --to 2026-01-01T17:00 --weekdays MON,TUE,WED,THU,FRI
  latchctl profiles create --name Holidays --from 2026-12-24 --to 2026-12-26 --all-day
  latchctl profiles create --name Cleaning --from 2026-01-05T06:00 --to 2026-01-05T08:00 \\
      --repeat twoWeeks --until 2026-12-31
  latchctl profiles create --file work-week.json"
    )]
    Create {
        #[command(flatten)]
        body: ProfileBodyArgs,
    },
    /// Show one time profile
    #[command(long_about = "\
Show one time profile: its times, how it repeats and the identifiers it is
attached to. With --output json, latchd's item as it is.")]
    Get {
        /// The time profile's uid
        uid: u32,
    },
    /// Replace a time profile with a new body
    #[command(
        long_about = "\
Replace a time profile with a new body: whatever the flags (or the JSON body)
do not say is gone, so give the whole profile. The identifiers attached to it
stay attached, and the uid stays.",
        after_long_help = "\
Example, adding Saturday to time profile 1:
  latchctl profiles update 1 --name 'Work week' --from 2026-01-01T07:00 \\
      --to 2026-01-01T17:00 --weekdays MON,TUE,WED,THU,FRI,SAT"
    )]
    Update {
        /// The time profile's uid
        uid: u32,
        #[command(flatten)]
        body: ProfileBodyArgs,
    },
    /// Delete a time profile, detaching it from every identifier
    Delete {
        /// The time profile's uid
        uid: u32,
    },
    /// List time profiles, a page at a time
    #[command(
        long_about = "\
List time profiles, a page at a time (10 by default, sorted by uid). The
table shows the uid, name, repeat type and how many identifiers each is
attached to, and which page of how many it is.",
        after_long_help = "\
Examples:
  latchctl profiles list --sort name
  latchctl profiles list --filter 'name=Work week'"
    )]
    List {
        #[command(flatten)]
        query: ProfileListArgs,
    },
}

const PROFILE_FLAGS: &str = "\
Without --repeat and --weekdays the profile does not repeat. --repeat week
repeats on the weekday of --from, --repeat month on its day of the month;
--weekdays MON,WED repeats every week on those days.

The times are read in UTC, as for identifiers, and latchd sees them as the
wall-clock times they are in the panel's time zone: on a panel in
Europe/Berlin, --from 2026-01-01T07:00 is 08:00 every day it repeats.";

/// The body of a time profile's Create and Update.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Time profile")]
pub struct ProfileBodyArgs {
    /// The profile's name
    #[arg(long, value_name = "NAME", required_unless_present_any = ["json", "file"])]
    pub name: Option<String>,

    /// When the first occurrence starts
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time,
        required_unless_present_any = ["json", "file"],
        long_help = format!("When the first occurrence starts: {TIME_FORMS}. Later \
occurrences start at the same time of day.")
    )]
    pub from: Option<i64>,

    /// When the first occurrence ends
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time,
        required_unless_present_any = ["json", "file"],
        long_help = format!("When the first occurrence ends: {TIME_FORMS}. Not before \
--from; an occurrence may span several days.")
    )]
    pub to: Option<i64>,

    /// Whole days: from the start of --from's day to the end of --to's
    #[arg(long)]
    pub all_day: bool,

    /// Repeat every day, week, two weeks, month or year
    #[arg(
        long,
        value_name = "EVERY",
        value_parser = ["day", "week", "twoWeeks", "month", "year"],
        group = "repetition"
    )]
    pub repeat: Option<String>,

    /// Repeat every week on these days (MON,TUE,WED,THU,FRI,SAT,SUN)
    #[arg(
        long,
        value_name = "DAYS",
        value_parser = parse_weekdays,
        group = "repetition",
        long_help = "Repeat every week on these days, separated by commas: MON, TUE, WED, \
THU, FRI, SAT and SUN (in any case). A custom week repeat of the panel API, every week."
    )]
    // The full path keeps clap from taking a Vec as many occurrences: the
    // days come in one value, separated by commas.
    pub weekdays: Option<::std::vec::Vec<String>>,

    /// The last day an occurrence may start [default: repeat for ever]
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time,
        requires = "repetition",
        long_help = format!("Repeat until TIME ({TIME_FORMS}): occurrences start on or \
before its day. Needs --repeat or --weekdays; without it the profile repeats for ever.")
    )]
    pub until: Option<i64>,

    /// The whole body as JSON (the panel API's), instead of the flags above
    #[arg(
        long,
        value_name = "BODY",
        conflicts_with_all = ["name", "from", "to", "all_day", "repeat", "weekdays", "until", "file"],
        long_help = "The whole body as JSON, the panel API's, sent to latchd as it is, instead \
of the flags above: {\"name\": \"Work week\", \"time_options\": {\"is_all_day\": false, \
\"date_from\": 1767250800, \"date_to\": 1767279600}, \"repeat_options\": {\"repeat_enable\": \
true, \"repeat_format\": {\"repeat_type\": \"custom\", \"repeat_end\": {\"format\": \"never\"}, \
\"repeat_custom\": {\"repeat_point_type\": \"week\", \"repeat_looper\": 1, \"repeat_options\": \
[\"MON\", \"TUE\", \"WED\", \"THU\", \"FRI\"]}}}}"
    )]
    pub json: Option<String>,

    /// Read the JSON body from a file (- is standard input)
    #[arg(
        long,
        value_name = "FILE",
        value_hint = clap::ValueHint::FilePath,
        conflicts_with_all = ["name", "from", "to", "all_day", "repeat", "weekdays", "until"]
    )]
    pub file: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ProfileListArgs {
    /// Time profiles a page, 1 to 1000 [default: 10]
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,

    /// Which page, from 1 [default: 1]
    #[arg(long, value_name = "N")]
    pub page: Option<u32>,

    /// Sort by this field [default: uid]
    #[arg(long, value_enum, value_name = "FIELD")]
    pub sort: Option<ProfileField>,

    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,

    /// Only time profiles whose FIELD (uid or name) is VALUE
    #[arg(long, value_name = "FIELD=VALUE", value_parser = parse_profile_filter)]
    pub filter: Option<(ProfileField, String)>,

    /// The query as JSON, as latchd takes it, instead of the flags above
    #[arg(
        long,
        value_name = "QUERY",
        conflicts_with_all = ["limit", "page", "sort", "desc", "filter"],
        long_help = "The query as JSON, as latchd takes it, instead of the flags above: \
limit, page_number, sort_field (timeprofile_uid or name), sort_type (asc or desc), \
filter_field, filter_type (equal), filter_format (string), filter_value"
    )]
    pub json: Option<String>,
}

/// The fields latchd sorts and filters time profiles by.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileField {
    #[value(alias = "timeprofile_uid")]
    Uid,
    Name,
}

impl ProfileField {
    pub fn api_name(self) -> &'static str {
        match self {
            ProfileField::Uid => "timeprofile_uid",
            ProfileField::Name => "name",
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum ApartmentsCommand {
    /// Create an apartment; prints its uid
    #[command(
        long_about = "\
Create an apartment and print its uid.

An apartment has a name, a logical address (building 1 to 9999, unit 0 to
99, floor 0 to 98, room 0 to 99) that no other apartment has, and a number
of residents. It is built from the flags below, or taken as a JSON body of
the panel API with --json or --file.",
        after_long_help = "\
Examples:
  latchctl apartments create --name 'Flat 12' --building 1 --unit 0 --floor 3 \\
      --room 12 --residents 2
  latchctl apartments create --file flat12.json"
    )]
    Create {
        #[command(flatten)]
        body: ApartmentBodyArgs,
    },
    /// Show one apartment
    #[command(long_about = "\
Show one apartment: its name, logical address, residents and the identifiers
bound to it. With --output json, latchd's item as it is.")]
    Get {
        /// The apartment's uid
        uid: u32,
    },
    /// Replace an apartment with a new body
    #[command(
        long_about = "\
Replace an apartment with a new body: whatever the flags (or the JSON body)
do not say is gone, so give the whole apartment. The identifiers bound to it
stay bound, and the uid stays.",
        after_long_help = "\
Example, three residents in apartment 1:
  latchctl apartments update 1 --name 'Flat 12' --building 1 --unit 0 --floor 3 \\
      --room 12 --residents 3"
    )]
    Update {
        /// The apartment's uid
        uid: u32,
        #[command(flatten)]
        body: ApartmentBodyArgs,
    },
    /// Delete an apartment, unbinding its identifiers
    Delete {
        /// The apartment's uid
        uid: u32,
    },
    /// List apartments, a page at a time
    #[command(
        long_about = "\
List apartments, a page at a time (10 by default, sorted by uid). The table
shows the uid, name, logical address, residents and how many identifiers
are bound to each, and which page of how many it is.",
        after_long_help = "\
Examples:
  latchctl apartments list --sort name --desc
  latchctl apartments list --filter 'name=Flat 12'"
    )]
    List {
        #[command(flatten)]
        query: ApartmentListArgs,
    },
    /// Bind an identifier to an apartment (moving it from another)
    #[command(long_about = "\
Bind an identifier to an apartment. An identifier belongs to at most one
apartment: one bound elsewhere moves.")]
    Bind {
        /// The apartment's uid
        #[arg(value_name = "APARTMENT_UID")]
        apartment_uid: u32,
        /// The identifier's uid
        #[arg(value_name = "IDENTIFIER_UID")]
        identifier_uid: u32,
    },
    /// Unbind an identifier from its apartment
    #[command(long_about = "\
Unbind an identifier from the apartment it is bound to; nothing happens to
an identifier that is not bound.")]
    Unbind {
        /// The identifier's uid
        #[arg(value_name = "IDENTIFIER_UID")]
        identifier_uid: u32,
    },
}

/// The body of an apartment's Create and Update.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Apartment")]
pub struct ApartmentBodyArgs {
    /// The apartment's name
    #[arg(long, value_name = "NAME", required_unless_present_any = ["json", "file"])]
    pub name: Option<String>,

    /// The building, 1 to 9999
    #[arg(long, value_name = "N", required_unless_present_any = ["json", "file"])]
    pub building: Option<u32>,

    /// The unit (entrance) of the building, 0 to 99
    #[arg(long, value_name = "N", required_unless_present_any = ["json", "file"])]
    pub unit: Option<u32>,

    /// The floor, 0 to 98
    #[arg(long, value_name = "N", required_unless_present_any = ["json", "file"])]
    pub floor: Option<u32>,

    /// The room, 0 to 99
    #[arg(long, value_name = "N", required_unless_present_any = ["json", "file"])]
    pub room: Option<u32>,

    /// How many people live there [default: 0]
    #[arg(long, value_name = "N")]
    pub residents: Option<u32>,

    /// The whole body as JSON (the panel API's), instead of the flags above
    #[arg(
        long,
        value_name = "BODY",
        conflicts_with_all = ["name", "building", "unit", "floor", "room", "residents", "file"],
        long_help = "The whole body as JSON, the panel API's, sent to latchd as it is, instead \
of the flags above: {\"apartment_name\": \"Flat 12\", \"apartment_address\": {\"building\": 1, \
\"unit\": 0, \"floor\": 3, \"room\": 12}, \"residents\": {\"count\": 2}}"
    )]
    pub json: Option<String>,

    /// Read the JSON body from a file (- is standard input)
    #[arg(
        long,
        value_name = "FILE",
        value_hint = clap::ValueHint::FilePath,
        conflicts_with_all = ["name", "building", "unit", "floor", "room", "residents"]
    )]
    pub file: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ApartmentListArgs {
    /// Apartments a page, 1 to 1000 [default: 10]
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,

    /// Which page, from 1 [default: 1]
    #[arg(long, value_name = "N")]
    pub page: Option<u32>,

    /// Sort by this field [default: uid]
    #[arg(long, value_enum, value_name = "FIELD")]
    pub sort: Option<ApartmentField>,

    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,

    /// Only apartments whose FIELD (uid or name) is VALUE
    #[arg(long, value_name = "FIELD=VALUE", value_parser = parse_apartment_filter)]
    pub filter: Option<(ApartmentField, String)>,

    /// The query as JSON, as latchd takes it, instead of the flags above
    #[arg(
        long,
        value_name = "QUERY",
        conflicts_with_all = ["limit", "page", "sort", "desc", "filter"],
        long_help = "The query as JSON, as latchd takes it, instead of the flags above: \
limit, page_number, sort_field (apartment_uid or apartment_name), sort_type (asc or desc), \
filter_field, filter_type (equal), filter_format (string), filter_value"
    )]
    pub json: Option<String>,
}

/// The fields latchd sorts and filters apartments by.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApartmentField {
    #[value(alias = "apartment_uid")]
    Uid,
    #[value(alias = "apartment_name")]
    Name,
}

impl ApartmentField {
    pub fn api_name(self) -> &'static str {
        match self {
            ApartmentField::Uid => "apartment_uid",
            ApartmentField::Name => "apartment_name",
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
    filter_of(s, "type=card", "uid, type, number or lock")
}

fn parse_profile_filter(s: &str) -> Result<(ProfileField, String), String> {
    filter_of(s, "name=Work", "uid or name")
}

fn parse_apartment_filter(s: &str) -> Result<(ApartmentField, String), String> {
    filter_of(s, "name=Flat", "uid or name")
}

/// `FIELD=VALUE`, FIELD one of `F`'s names or aliases.
fn filter_of<F: ValueEnum>(s: &str, example: &str, fields: &str) -> Result<(F, String), String> {
    let (field, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FIELD=VALUE, such as {example}"))?;
    let field = F::from_str(field.trim(), true)
        .map_err(|_| format!("unknown field `{field}`: {fields}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn until_needs_a_repeat_and_repeat_excludes_weekdays() {
        let parse = |args: &[&str]| {
            let base = [
                "latchctl", "profiles", "create", "--name", "x", "--from", "1",
            ];
            Cli::try_parse_from(base.iter().chain(["--to", "2"].iter()).chain(args))
        };
        assert!(parse(&[]).is_ok());
        assert!(parse(&["--until", "2026-12-31"]).is_err());
        assert!(parse(&["--repeat", "week", "--until", "2026-12-31"]).is_ok());
        assert!(parse(&["--weekdays", "mon,fri", "--until", "2026-12-31"]).is_ok());
        assert!(parse(&["--repeat", "week", "--weekdays", "MON"]).is_err());
        assert!(parse(&["--repeat", "fortnight"]).is_err());
        let Command::Profiles(ProfilesCommand::Create { body }) =
            parse(&["--weekdays", "mon,fri"]).unwrap().command
        else {
            panic!("profiles create");
        };
        assert_eq!(body.weekdays, Some(vec!["MON".into(), "FRI".into()]));
    }
}
