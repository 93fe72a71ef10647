//! latchctl: the operator's command line for latchd, over latchd's own
//! D-Bus clients (`latchd::dbus::{IdentifiersProxy, TimeProfilesProxy,
//! ApartmentsProxy, LocksProxy, AccessProxy}`).

mod body;
mod cli;
mod csv_format;
mod failure;
mod manpage;
mod output;

use body::{ApartmentFields, Fields, ProfileFields};
use clap::{CommandFactory, Parser};
use cli::{
    AccessCommand, ApartmentBodyArgs, ApartmentsCommand, BodyArgs, Cli, Command, EventsCommand,
    FileFormat, IdentifiersCommand, LocksCommand, Output, ProfileBodyArgs, ProfilesCommand,
};
use failure::Failure;
use latchd::dbus::{
    AccessProxy, ApartmentsProxy, IdentifiersProxy, LocksProxy, TimeProfilesProxy, BUS_NAME,
};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A usage error is one before anything is asked of the bus.
    if let Command::Identifiers(IdentifiersCommand::Import { file, format }) = &cli.command {
        format_of("import", file, *format, None);
    }
    let result = match &cli.command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "latchctl", &mut out);
            write_out(&String::from_utf8_lossy(&out))
        }
        Command::Manpage => write_out(&manpage::render(Cli::command())),
        _ => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(run(&cli)),
            Err(e) => Err(Failure::local(format!("cannot start: {e}"))),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // latchd's messages and a file's contents are someone else's text.
            let mut stderr = std::io::stderr().lock();
            for line in failure.lines() {
                let _ = writeln!(stderr, "latchctl: {}", output::escape(&line));
            }
            ExitCode::from(failure.status())
        }
    }
}

/// Writes to standard output; a closed pipe ends latchctl quietly.
fn write_out(text: &str) -> Result<(), Failure> {
    write_bytes(text.as_bytes())
}

/// Writes a line for people to standard output, [`output::escape`]d.
fn say(line: &str) -> Result<(), Failure> {
    write_out(&format!("{}\n", output::escape(line)))
}

/// Writes bytes (a PNG) to standard output, as [`write_out`].
fn write_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::Closed),
        Err(e) => Err(Failure::local(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

async fn connect(address: Option<&str>) -> Result<zbus::Connection, Failure> {
    let connection = match address {
        Some(address) => match zbus::connection::Builder::address(address) {
            Ok(builder) => builder.build().await,
            Err(e) => Err(e),
        },
        None => zbus::Connection::system().await,
    };
    connection.map_err(|e| {
        let why = without_os_error(e.to_string());
        let bus = if address.is_some() {
            "the bus"
        } else {
            "the system bus"
        };
        Failure::local(format!("cannot connect to {bus}: {why}"))
    })
}

/// The clients, built on demand. Properties are read from latchd every
/// time, never from a cache.
struct Clients {
    conn: zbus::Connection,
}

impl Clients {
    async fn identifiers(&self) -> Result<IdentifiersProxy<'static>, Failure> {
        Ok(IdentifiersProxy::builder(&self.conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?)
    }

    async fn profiles(&self) -> Result<TimeProfilesProxy<'static>, Failure> {
        Ok(TimeProfilesProxy::builder(&self.conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?)
    }

    async fn apartments(&self) -> Result<ApartmentsProxy<'static>, Failure> {
        Ok(ApartmentsProxy::builder(&self.conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?)
    }

    async fn locks(&self) -> Result<LocksProxy<'static>, Failure> {
        Ok(LocksProxy::builder(&self.conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?)
    }

    async fn access(&self) -> Result<AccessProxy<'static>, Failure> {
        Ok(AccessProxy::builder(&self.conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?)
    }
}

/// The List query of a list command's flags: its `--json` as given, else
/// one built from `--limit`, `--page`, `--sort`, `--desc` and `--filter`.
/// A macro, as the identifier, profile and apartment lists' flags differ
/// only in the type of their field names.
macro_rules! list_query {
    ($args:expr) => {{
        let args = $args;
        match &args.json {
            Some(json) => json.clone(),
            None => Query {
                limit: args.limit,
                page: args.page,
                sort: args.sort.map(|f| f.api_name()),
                desc: args.desc,
                filter: args
                    .filter
                    .as_ref()
                    .map(|(f, v)| (f.api_name(), v.as_str())),
            }
            .to_json(),
        }
    }};
}

async fn run(cli: &Cli) -> Result<(), Failure> {
    let clients = Clients {
        conn: connect(cli.address.as_deref()).await?,
    };
    let out = cli.output;
    match &cli.command {
        Command::Identifiers(cmd) => identifiers(&clients, out, cmd).await,
        Command::Profiles(cmd) => profiles(&clients, out, cmd).await,
        Command::Apartments(cmd) => apartments(&clients, out, cmd).await,
        Command::Locks(cmd) => locks(&clients, out, cmd).await,
        Command::Access(AccessCommand::Present { kind, number }) => {
            let (granted, reason) = clients.access().await?.present(kind, number).await?;
            match out {
                Output::Json => print_json(&json!({"granted": granted, "reason": reason})),
                Output::Table => say(&format!(
                    "{}: {reason}",
                    if granted { "granted" } else { "denied" }
                )),
            }
        }
        Command::Events(EventsCommand::List { limit, page }) => {
            let mut query = serde_json::Map::new();
            if let Some(limit) = limit {
                query.insert("limit".into(), json!(limit));
            }
            if let Some(page) = page {
                query.insert("page_number".into(), json!(page));
            }
            let text = clients
                .access()
                .await?
                .list_events(&Value::Object(query).to_string())
                .await?;
            match out {
                Output::Json => write_out(&format!("{text}\n")),
                Output::Table => {
                    let page = parse_reply(&text)?;
                    let rows: Vec<Vec<String>> =
                        items(&page).iter().map(output::event_row).collect();
                    let mut shown = String::new();
                    if !rows.is_empty() {
                        shown += &output::table(&output::EVENT_COLUMNS, &rows);
                    }
                    shown += &output::page_footer(&page, "events");
                    write_out(&shown)
                }
            }
        }
        Command::Events(EventsCommand::Follow) => follow(&clients, out).await,
        Command::Completions { .. } | Command::Manpage => Ok(()),
    }
}

fn print_json(value: &Value) -> Result<(), Failure> {
    write_out(&format!("{value}\n"))
}

/// latchd's JSON reply.
fn parse_reply(text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|e| Failure::Local {
        status: 9,
        message: format!("latchd sent a reply that is not JSON: {e}"),
    })
}

fn items(page: &Value) -> Vec<Value> {
    page["list_items"].as_array().cloned().unwrap_or_default()
}

async fn identifiers(
    clients: &Clients,
    out: Output,
    cmd: &IdentifiersCommand,
) -> Result<(), Failure> {
    let ids = clients.identifiers().await?;
    match cmd {
        IdentifiersCommand::Create { body } => print_uid(out, ids.create(&body_text(body)?).await?),
        IdentifiersCommand::Get { uid } => {
            print_item(out, &ids.get(*uid).await?, output::identifier)
        }
        IdentifiersCommand::Update { uid, body } => {
            ids.update(*uid, &body_text(body)?).await?;
            done(out, &format!("identifier {uid} updated"))
        }
        IdentifiersCommand::Delete { uid } => {
            ids.delete(*uid).await?;
            done(out, &format!("identifier {uid} deleted"))
        }
        IdentifiersCommand::DeleteMany { uids } => {
            ids.delete_many(&json!({ "uid_items": uids }).to_string())
                .await?;
            let list: Vec<String> = uids.iter().map(u32::to_string).collect();
            let what = if list.len() == 1 {
                "identifier"
            } else {
                "identifiers"
            };
            done(out, &format!("{what} {} deleted", list.join(", ")))
        }
        IdentifiersCommand::ResetPasses { uid } => {
            ids.reset_passes(*uid).await?;
            done(out, &format!("passes of identifier {uid} reset"))
        }
        IdentifiersCommand::Qr { uid, out: file } => {
            let png = ids.get_qr(*uid).await?;
            if file == "-" {
                return write_bytes(&png);
            }
            // The picture is the credential: private like an export.
            write_private(file, &png)
                .map_err(|e| Failure::local(format!("{file}: {}", io_message(&e))))?;
            match out {
                Output::Json => print_json(&json!({ "file": file, "bytes": png.len() })),
                Output::Table => say(&format!("QR code of identifier {uid} written to {file}")),
            }
        }
        IdentifiersCommand::Attach { uid, profile_uid } => {
            ids.attach_time_profile(*uid, *profile_uid).await?;
            done(
                out,
                &format!("time profile {profile_uid} attached to identifier {uid}"),
            )
        }
        IdentifiersCommand::Detach { uid, profile_uid } => {
            ids.detach_time_profile(*uid, *profile_uid).await?;
            done(
                out,
                &format!("time profile {profile_uid} detached from identifier {uid}"),
            )
        }
        IdentifiersCommand::Count => {
            let count = ids.count().await?;
            match out {
                Output::Json => print_json(&json!({ "count": count })),
                Output::Table => write_out(&format!("{count}\n")),
            }
        }
        IdentifiersCommand::List { query } => {
            let text = ids.list(&list_query!(query)).await?;
            print_page(
                out,
                &text,
                &output::IDENTIFIER_COLUMNS,
                output::identifier_row,
                "identifiers",
            )
        }
        IdentifiersCommand::Import { file, format } => import(&ids, out, file, *format).await,
        IdentifiersCommand::Export { file, format } => {
            export(&ids, out, file.as_deref(), *format).await
        }
    }
}

/// A listed page: latchd's JSON as it is, or a table and which page it is.
fn print_page(
    out: Output,
    text: &str,
    columns: &[&str],
    row: fn(&Value) -> Vec<String>,
    what: &str,
) -> Result<(), Failure> {
    match out {
        Output::Json => write_out(&format!("{text}\n")),
        Output::Table => {
            let page = parse_reply(text)?;
            let rows: Vec<Vec<String>> = items(&page).iter().map(row).collect();
            let mut shown = String::new();
            if !rows.is_empty() {
                shown += &output::table(columns, &rows);
            }
            shown += &output::page_footer(&page, what);
            write_out(&shown)
        }
    }
}

/// What Create prints: the new uid alone, for people and for `uid=$(...)`.
fn print_uid(out: Output, uid: u32) -> Result<(), Failure> {
    match out {
        Output::Json => print_json(&json!({ "uid": uid })),
        Output::Table => write_out(&format!("{uid}\n")),
    }
}

/// What Get prints: latchd's item as it is, or a field a line.
fn print_item(out: Output, item: &str, view: fn(&Value) -> String) -> Result<(), Failure> {
    match out {
        Output::Json => write_out(&format!("{item}\n")),
        Output::Table => write_out(&view(&parse_reply(item)?)),
    }
}

async fn profiles(clients: &Clients, out: Output, cmd: &ProfilesCommand) -> Result<(), Failure> {
    let profiles = clients.profiles().await?;
    match cmd {
        ProfilesCommand::Create { body } => {
            print_uid(out, profiles.create(&profile_body(body)?).await?)
        }
        ProfilesCommand::Get { uid } => {
            print_item(out, &profiles.get(*uid).await?, output::profile)
        }
        ProfilesCommand::Update { uid, body } => {
            profiles.update(*uid, &profile_body(body)?).await?;
            done(out, &format!("time profile {uid} updated"))
        }
        ProfilesCommand::Delete { uid } => {
            profiles.delete(*uid).await?;
            done(out, &format!("time profile {uid} deleted"))
        }
        ProfilesCommand::List { query } => {
            let text = profiles.list(&list_query!(query)).await?;
            print_page(
                out,
                &text,
                &output::PROFILE_COLUMNS,
                output::profile_row,
                "time profiles",
            )
        }
    }
}

async fn apartments(
    clients: &Clients,
    out: Output,
    cmd: &ApartmentsCommand,
) -> Result<(), Failure> {
    let apartments = clients.apartments().await?;
    match cmd {
        ApartmentsCommand::Create { body } => {
            print_uid(out, apartments.create(&apartment_body(body)?).await?)
        }
        ApartmentsCommand::Get { uid } => {
            print_item(out, &apartments.get(*uid).await?, output::apartment)
        }
        ApartmentsCommand::Update { uid, body } => {
            apartments.update(*uid, &apartment_body(body)?).await?;
            done(out, &format!("apartment {uid} updated"))
        }
        ApartmentsCommand::Delete { uid } => {
            apartments.delete(*uid).await?;
            done(out, &format!("apartment {uid} deleted"))
        }
        ApartmentsCommand::List { query } => {
            let text = apartments.list(&list_query!(query)).await?;
            print_page(
                out,
                &text,
                &output::APARTMENT_COLUMNS,
                output::apartment_row,
                "apartments",
            )
        }
        ApartmentsCommand::Bind {
            apartment_uid,
            identifier_uid,
        } => {
            apartments
                .bind_identifier(*apartment_uid, *identifier_uid)
                .await?;
            done(
                out,
                &format!("identifier {identifier_uid} bound to apartment {apartment_uid}"),
            )
        }
        ApartmentsCommand::Unbind { identifier_uid } => {
            apartments.unbind_identifier(*identifier_uid).await?;
            done(
                out,
                &format!("identifier {identifier_uid} unbound from its apartment"),
            )
        }
    }
}

/// What a change without a result prints: a line for people, nothing in JSON.
fn done(out: Output, message: &str) -> Result<(), Failure> {
    match out {
        Output::Json => Ok(()),
        Output::Table => say(message),
    }
}

/// The body of Create and Update: built from the flags, given with --json,
/// or read from --file.
fn body_text(args: &BodyArgs) -> Result<String, Failure> {
    if let Some(text) = given_body(args.json.as_deref(), args.file.as_deref())? {
        return Ok(text);
    }
    let fields = Fields {
        // clap requires these three when neither --json nor --file is given.
        kind: args.kind.clone().unwrap_or_default(),
        number: args.number.clone().unwrap_or_default(),
        name: args.name.clone().unwrap_or_default(),
        owner_type: args.owner_type.clone(),
        lock: args.lock.clone(),
        window: args.from.zip(args.to),
        max_passes: args.max_passes.map(u64::from),
    };
    Ok(fields.to_body().to_string())
}

/// A body given with --json, or read from --file; `None` when the flags
/// make it.
fn given_body(json: Option<&str>, file: Option<&str>) -> Result<Option<String>, Failure> {
    if let Some(json) = json {
        return Ok(Some(json.to_string()));
    }
    if let Some(file) = file {
        let text = read_file(file)?;
        check_json(file, &text)?;
        return Ok(Some(text));
    }
    Ok(None)
}

/// The body of a time profile's Create and Update.
fn profile_body(args: &ProfileBodyArgs) -> Result<String, Failure> {
    if let Some(text) = given_body(args.json.as_deref(), args.file.as_deref())? {
        return Ok(text);
    }
    let fields = ProfileFields {
        // clap requires these three when neither --json nor --file is given.
        name: args.name.clone().unwrap_or_default(),
        from: args.from.unwrap_or_default(),
        to: args.to.unwrap_or_default(),
        all_day: args.all_day,
        repeat: args.repeat.clone(),
        weekdays: args.weekdays.clone(),
        until: args.until,
    };
    Ok(fields.to_body().to_string())
}

/// The body of an apartment's Create and Update.
fn apartment_body(args: &ApartmentBodyArgs) -> Result<String, Failure> {
    if let Some(text) = given_body(args.json.as_deref(), args.file.as_deref())? {
        return Ok(text);
    }
    let fields = ApartmentFields {
        // clap requires all but the residents when neither --json nor --file is given.
        name: args.name.clone().unwrap_or_default(),
        building: args.building.unwrap_or_default(),
        unit: args.unit.unwrap_or_default(),
        floor: args.floor.unwrap_or_default(),
        room: args.room.unwrap_or_default(),
        residents: args.residents.unwrap_or_default(),
    };
    Ok(fields.to_body().to_string())
}

/// A List query from the flags; the fields by their names at latchd.
struct Query<'a> {
    limit: Option<u32>,
    page: Option<u32>,
    sort: Option<&'static str>,
    desc: bool,
    filter: Option<(&'static str, &'a str)>,
}

impl Query<'_> {
    fn to_json(&self) -> String {
        let mut query = serde_json::Map::new();
        if let Some(limit) = self.limit {
            query.insert("limit".into(), json!(limit));
        }
        if let Some(page) = self.page {
            query.insert("page_number".into(), json!(page));
        }
        if let Some(field) = self.sort {
            query.insert("sort_field".into(), json!(field));
        }
        if self.desc {
            query.insert("sort_type".into(), json!("desc"));
        }
        if let Some((field, value)) = self.filter {
            query.insert("filter_field".into(), json!(field));
            query.insert("filter_type".into(), json!("equal"));
            query.insert("filter_format".into(), json!("string"));
            query.insert("filter_value".into(), json!(value));
        }
        Value::Object(query).to_string()
    }
}

/// The name a file is shown by in messages.
fn shown(file: &str) -> &str {
    if file == "-" {
        "<stdin>"
    } else {
        file
    }
}

/// A file's text; `-` is standard input.
fn read_file(file: &str) -> Result<String, Failure> {
    let mut text = String::new();
    let result = if file == "-" {
        std::io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::read_to_string(file).map(|t| text = t)
    };
    result.map_err(|e| Failure::local(format!("{}: {}", shown(file), io_message(&e))))?;
    Ok(text)
}

/// An I/O error without the "(os error N)" that says nothing to people.
fn io_message(e: &std::io::Error) -> String {
    without_os_error(e.to_string())
}

fn without_os_error(text: String) -> String {
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// A file that is meant to be JSON and is not is a bad file, named with its line.
fn check_json(file: &str, text: &str) -> Result<(), Failure> {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::local(format!(
            "{}:{}: not JSON: {}",
            shown(file),
            e.line(),
            json_message(&e)
        ))),
    }
}

/// serde_json's message without its " at line L column C".
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The format of FILE from --format or its name; a usage error when
/// neither tells.
fn format_of(
    command: &str,
    file: &str,
    given: Option<FileFormat>,
    default: Option<FileFormat>,
) -> FileFormat {
    if let Some(format) = given {
        return format;
    }
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        return FileFormat::Csv;
    }
    if lower.ends_with(".json") {
        return FileFormat::Json;
    }
    if let Some(format) = default {
        return format;
    }
    let why = if file == "-" {
        "reading standard input needs --format csv or --format json".to_string()
    } else {
        format!("cannot tell the format of `{file}` from its name (.csv or .json): give --format csv or --format json")
    };
    let mut cmd = Cli::command();
    cmd.build();
    let mut sub = cmd
        .find_subcommand_mut("identifiers")
        .and_then(|c| c.find_subcommand_mut(command))
        .expect("an identifiers command")
        .clone();
    sub.error(clap::error::ErrorKind::MissingRequiredArgument, why)
        .exit()
}

async fn import(
    ids: &IdentifiersProxy<'_>,
    out: Output,
    file: &str,
    format: Option<FileFormat>,
) -> Result<(), Failure> {
    let format = format_of("import", file, format, None);
    let text = read_file(file)?;
    let (body, lines) = match format {
        FileFormat::Json => {
            check_json(file, &text)?;
            (text, None)
        }
        FileFormat::Csv => {
            let lines = csv_format::read(text.as_bytes()).map_err(|(line, message)| {
                Failure::local(format!("{}:{line}: {message}", shown(file)))
            })?;
            let bodies: Vec<Value> = lines.iter().map(|l| l.fields.to_body()).collect();
            let numbers: Vec<u64> = lines.iter().map(|l| l.line).collect();
            (json!({ "list_items": bodies }).to_string(), Some(numbers))
        }
    };
    let uids = ids.import(&body).await.map_err(|e| {
        let failure = Failure::from(e);
        // latchd names the item; say which line of the file it came from.
        let item = match &failure {
            Failure::Reply { message, .. } => message
                .strip_prefix("list_items[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(n, _)| n.parse::<usize>().ok()),
            _ => None,
        };
        match (item, &lines) {
            (Some(n), Some(lines)) if n < lines.len() => {
                failure.note(format!("list_items[{n}] is {}:{}", shown(file), lines[n]))
            }
            _ => failure,
        }
    })?;
    match out {
        Output::Json => print_json(&json!({ "uids": uids })),
        Output::Table => write_out(
            &uids
                .iter()
                .map(|uid| format!("{uid}\n"))
                .collect::<String>(),
        ),
    }
}

/// Every identifier, by uid, paged through List 1000 at a time. If the
/// identifiers change while it pages, it starts again.
async fn all_identifiers(ids: &IdentifiersProxy<'_>) -> Result<Vec<Value>, Failure> {
    'attempt: for _ in 0..5 {
        let mut all: Vec<Value> = Vec::new();
        let mut total = None;
        for page_number in 1.. {
            let query = json!({"limit": 1000, "page_number": page_number}).to_string();
            let page = parse_reply(&ids.list(&query).await?)?;
            let this_total = page["list_option"]["pagination"]["total_items"].as_u64();
            if total.is_some() && total != this_total {
                continue 'attempt;
            }
            total = this_total;
            let page_items = items(&page);
            let last_uid = all.last().and_then(|i| i["identifier_uid"].as_u64());
            if let (Some(last), Some(first)) = (
                last_uid,
                page_items
                    .first()
                    .and_then(|i| i["identifier_uid"].as_u64()),
            ) {
                if first <= last {
                    continue 'attempt;
                }
            }
            let empty = page_items.is_empty();
            all.extend(page_items);
            if empty || all.len() as u64 >= total.unwrap_or(0) {
                break;
            }
        }
        if all.len() as u64 == total.unwrap_or(0) {
            return Ok(all);
        }
    }
    Err(Failure::local(
        "the identifiers kept changing while they were exported; try again",
    ))
}

async fn export(
    ids: &IdentifiersProxy<'_>,
    out: Output,
    file: Option<&str>,
    format: Option<FileFormat>,
) -> Result<(), Failure> {
    let format = match file {
        Some(file) => format_of("export", file, format, Some(FileFormat::Json)),
        None => format.unwrap_or(FileFormat::Json),
    };
    let all = all_identifiers(ids).await?;
    let text = match format {
        FileFormat::Json => {
            let lines: Vec<String> = all.iter().map(Value::to_string).collect();
            if lines.is_empty() {
                "{\"list_items\":[]}\n".to_string()
            } else {
                format!("{{\"list_items\":[\n{}\n]}}\n", lines.join(",\n"))
            }
        }
        FileFormat::Csv => {
            let mut buf = Vec::new();
            csv_format::write(&all, &mut buf).map_err(Failure::local)?;
            String::from_utf8(buf).map_err(|e| Failure::local(e.to_string()))?
        }
    };
    match file {
        None | Some("-") => write_out(&text),
        Some(file) => {
            write_private(file, text.as_bytes())
                .map_err(|e| Failure::local(format!("{file}: {}", io_message(&e))))?;
            match out {
                Output::Json => print_json(&json!({ "count": all.len() })),
                Output::Table => say(&format!(
                    "{} identifier{} written to {file}",
                    all.len(),
                    if all.len() == 1 { "" } else { "s" }
                )),
            }
        }
    }
}

/// Writes `bytes` to `file` so that only its owner may read it (mode
/// 0600, whatever the umask): an export holds every PIN and card number, a
/// QR picture opens the door. A
/// new file is created so; a regular file that is already there is made
/// 0600 before it is emptied and written, and if that cannot be done
/// nothing is written. Anything else (a pipe, /dev/stdout) is written to
/// as it is.
fn write_private(file: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(file)?;
    if f.metadata()?.file_type().is_file() {
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.set_len(0)?;
    }
    f.write_all(bytes)?;
    f.flush()
}

async fn locks(clients: &Clients, out: Output, cmd: &LocksCommand) -> Result<(), Failure> {
    let locks = clients.locks().await?;
    match cmd {
        LocksCommand::States => {
            let mut states: Vec<(String, String)> = locks.states().await?.into_iter().collect();
            states.sort();
            match out {
                Output::Json => {
                    let map: serde_json::Map<String, Value> = states
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect();
                    print_json(&Value::Object(map))
                }
                Output::Table => {
                    let rows: Vec<Vec<String>> =
                        states.into_iter().map(|(k, v)| vec![k, v]).collect();
                    write_out(&output::table(&["LOCK", "STATE"], &rows))
                }
            }
        }
        LocksCommand::Open { lock } => {
            locks.open(lock).await?;
            let message = if lock == "all" {
                "all locks opened".to_string()
            } else {
                format!("lock {lock} opened")
            };
            done(out, &message)
        }
    }
}

/// AccessEvent signals, one a line, until Ctrl-C or SIGTERM.
async fn follow(clients: &Clients, out: Output) -> Result<(), Failure> {
    use std::pin::Pin;
    use zbus::export::futures_core::Stream;

    let access = clients.access().await?;
    // A stream would wait silently for a latchd that is not there.
    let bus = zbus::fdo::DBusProxy::new(&clients.conn).await?;
    bus.get_name_owner(BUS_NAME.try_into().expect("a valid bus name"))
        .await?;
    let mut events = access.receive_access_event().await?;
    if out == Output::Table {
        write_out(&format!(
            "{}\n",
            output::fixed_row(
                &output::EVENT_COLUMNS.map(String::from),
                &output::FOLLOW_WIDTHS
            )
        ))?;
    }
    use tokio::signal::unix::{signal, SignalKind};
    let watch =
        |kind| signal(kind).map_err(|e| Failure::local(format!("cannot watch for signals: {e}")));
    let (mut interrupt, mut terminate) = (
        watch(SignalKind::interrupt())?,
        watch(SignalKind::terminate())?,
    );
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut events).poll_next(cx));
        let signal = tokio::select! {
            signal = next => signal,
            _ = interrupt.recv() => return Ok(()),
            _ = terminate.recv() => return Ok(()),
        };
        let Some(signal) = signal else {
            return Err(Failure::local("the bus connection was closed"));
        };
        let event = match signal.args() {
            Ok(args) => args.event().to_string(),
            Err(e) => {
                eprintln!(
                    "latchctl: {}",
                    output::escape(&format!("an AccessEvent that cannot be read: {e}"))
                );
                continue;
            }
        };
        match out {
            Output::Json => write_out(&format!("{event}\n"))?,
            Output::Table => match serde_json::from_str::<Value>(&event) {
                Ok(value) => write_out(&format!(
                    "{}\n",
                    output::fixed_row(&output::event_row(&value), &output::FOLLOW_WIDTHS)
                ))?,
                Err(_) => say(&event)?,
            },
        }
    }
}
