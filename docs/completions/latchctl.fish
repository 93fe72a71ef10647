# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_latchctl_global_optspecs
    string join \n address= o/output= h/help V/version
end

function __fish_latchctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_latchctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_latchctl_using_subcommand
    set -l cmd (__fish_latchctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c latchctl -n "__fish_latchctl_needs_command" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_needs_command" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_needs_command" -s V -l version -d 'Print version'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "identifiers" -d 'Create, change, list, import and export identifiers; QR codes, time profiles'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "profiles" -d 'Create, change and list time profiles: when attached identifiers open'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "apartments" -d 'Create, change and list apartments, and bind identifiers to them'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "locks" -d 'Show the lock states and open locks'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "access" -d 'Present a credential as a reader would'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "events" -d 'List or follow the access events'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "completions" -d 'Print shell completions for latchctl on standard output'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "manpage" -d 'Print the manual page latchctl(1) (roff) on standard output'
complete -c latchctl -n "__fish_latchctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "create" -d 'Create an identifier; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "get" -d 'Show one identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "update" -d 'Replace an identifier with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "delete" -d 'Delete an identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "delete-many" -d 'Delete several identifiers at once: all or none'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "import" -d 'Create many identifiers from a CSV or JSON file: all or none; prints the new uids'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "export" -d 'Write every identifier to a CSV or JSON file (or standard output)'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "list" -d 'List identifiers, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "reset-passes" -d 'Give an identifier all its passes back'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "qr" -d 'Write the PNG of a qr identifier\'s QR code to a file'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "attach" -d 'Attach a time profile: the identifier opens only inside its profiles'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "detach" -d 'Detach a time profile from an identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "count" -d 'Print how many identifiers there are'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and not __fish_seen_subcommand_from create get update delete delete-many import export list reset-passes qr attach detach count help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l type -d 'What kind of credential it is' -r -f -a "card\t''
ukey\t''
inputCode\t''
face_id\t''
qr\t''
license_plate\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l number -d 'The card number, code, UUID, plate or face vector' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l name -d 'The owner\'s name' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l owner-type -d 'Whether the owner lives here (owner) or is a guest [default: owner]' -r -f -a "owner\t''
guest\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l lock -d 'The lock it opens: first, second or all [default: first]' -r -f -a "first\t''
second\t''
all\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l from -d 'Valid from this time on (with --to) [default: permanent in time]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l to -d 'Valid until this time (with --from)' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l max-passes -d 'How many times it opens the door [default: no limit]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l json -d 'The whole body as JSON (the panel API\'s), instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l file -d 'Read the JSON body from a file (- is standard input)' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from get" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from get" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l type -d 'What kind of credential it is' -r -f -a "card\t''
ukey\t''
inputCode\t''
face_id\t''
qr\t''
license_plate\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l number -d 'The card number, code, UUID, plate or face vector' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l name -d 'The owner\'s name' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l owner-type -d 'Whether the owner lives here (owner) or is a guest [default: owner]' -r -f -a "owner\t''
guest\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l lock -d 'The lock it opens: first, second or all [default: first]' -r -f -a "first\t''
second\t''
all\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l from -d 'Valid from this time on (with --to) [default: permanent in time]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l to -d 'Valid until this time (with --from)' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l max-passes -d 'How many times it opens the door [default: no limit]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l json -d 'The whole body as JSON (the panel API\'s), instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l file -d 'Read the JSON body from a file (- is standard input)' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from delete" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from delete" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from delete-many" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from delete-many" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from delete-many" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from import" -l format -d 'The file\'s format [default: from the name, .csv or .json]' -r -f -a "csv\t''
json\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from import" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from import" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from export" -l format -d 'The format [default: from the file\'s name, .csv or .json; else json]' -r -f -a "csv\t''
json\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from export" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from export" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l limit -d 'Identifiers a page, 1 to 1000 [default: 10]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l page -d 'Which page, from 1 [default: 1]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l sort -d 'Sort by this field [default: uid]' -r -f -a "uid\t''
type\t''
number\t''
lock\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l filter -d 'Only identifiers whose FIELD is VALUE (numbers in any of their forms)' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l json -d 'The query as JSON, as latchd takes it, instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -l desc -d 'Sort in descending order'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from reset-passes" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from reset-passes" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from reset-passes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from qr" -l out -d 'The PNG file to write; - writes to standard output' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from qr" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from qr" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from qr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from attach" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from attach" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from detach" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from detach" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from detach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from count" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from count" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from count" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an identifier; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "get" -d 'Show one identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "update" -d 'Replace an identifier with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "delete-many" -d 'Delete several identifiers at once: all or none'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create many identifiers from a CSV or JSON file: all or none; prints the new uids'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write every identifier to a CSV or JSON file (or standard output)'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "list" -d 'List identifiers, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "reset-passes" -d 'Give an identifier all its passes back'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "qr" -d 'Write the PNG of a qr identifier\'s QR code to a file'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "attach" -d 'Attach a time profile: the identifier opens only inside its profiles'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "detach" -d 'Detach a time profile from an identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "count" -d 'Print how many identifiers there are'
complete -c latchctl -n "__fish_latchctl_using_subcommand identifiers; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -f -a "create" -d 'Create a time profile; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -f -a "get" -d 'Show one time profile'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -f -a "update" -d 'Replace a time profile with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -f -a "delete" -d 'Delete a time profile, detaching it from every identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -f -a "list" -d 'List time profiles, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and not __fish_seen_subcommand_from create get update delete list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l name -d 'The profile\'s name' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l from -d 'When the first occurrence starts' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l to -d 'When the first occurrence ends' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l repeat -d 'Repeat every day, week, two weeks, month or year' -r -f -a "day\t''
week\t''
twoWeeks\t''
month\t''
year\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l weekdays -d 'Repeat every week on these days (MON,TUE,WED,THU,FRI,SAT,SUN)' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l until -d 'The last day an occurrence may start [default: repeat for ever]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l json -d 'The whole body as JSON (the panel API\'s), instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l file -d 'Read the JSON body from a file (- is standard input)' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -l all-day -d 'Whole days: from the start of --from\'s day to the end of --to\'s'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from get" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from get" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l name -d 'The profile\'s name' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l from -d 'When the first occurrence starts' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l to -d 'When the first occurrence ends' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l repeat -d 'Repeat every day, week, two weeks, month or year' -r -f -a "day\t''
week\t''
twoWeeks\t''
month\t''
year\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l weekdays -d 'Repeat every week on these days (MON,TUE,WED,THU,FRI,SAT,SUN)' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l until -d 'The last day an occurrence may start [default: repeat for ever]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l json -d 'The whole body as JSON (the panel API\'s), instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l file -d 'Read the JSON body from a file (- is standard input)' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -l all-day -d 'Whole days: from the start of --from\'s day to the end of --to\'s'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from delete" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from delete" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l limit -d 'Time profiles a page, 1 to 1000 [default: 10]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l page -d 'Which page, from 1 [default: 1]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l sort -d 'Sort by this field [default: uid]' -r -f -a "uid\t''
name\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l filter -d 'Only time profiles whose FIELD (uid or name) is VALUE' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l json -d 'The query as JSON, as latchd takes it, instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -l desc -d 'Sort in descending order'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a time profile; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from help" -f -a "get" -d 'Show one time profile'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from help" -f -a "update" -d 'Replace a time profile with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a time profile, detaching it from every identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from help" -f -a "list" -d 'List time profiles, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand profiles; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "create" -d 'Create an apartment; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "get" -d 'Show one apartment'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "update" -d 'Replace an apartment with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "delete" -d 'Delete an apartment, unbinding its identifiers'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "list" -d 'List apartments, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "bind" -d 'Bind an identifier to an apartment (moving it from another)'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "unbind" -d 'Unbind an identifier from its apartment'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and not __fish_seen_subcommand_from create get update delete list bind unbind help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l name -d 'The apartment\'s name' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l building -d 'The building, 1 to 9999' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l unit -d 'The unit (entrance) of the building, 0 to 99' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l floor -d 'The floor, 0 to 98' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l room -d 'The room, 0 to 99' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l residents -d 'How many people live there [default: 0]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l json -d 'The whole body as JSON (the panel API\'s), instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l file -d 'Read the JSON body from a file (- is standard input)' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from get" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from get" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l name -d 'The apartment\'s name' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l building -d 'The building, 1 to 9999' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l unit -d 'The unit (entrance) of the building, 0 to 99' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l floor -d 'The floor, 0 to 98' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l room -d 'The room, 0 to 99' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l residents -d 'How many people live there [default: 0]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l json -d 'The whole body as JSON (the panel API\'s), instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l file -d 'Read the JSON body from a file (- is standard input)' -r -F
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from delete" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from delete" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l limit -d 'Apartments a page, 1 to 1000 [default: 10]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l page -d 'Which page, from 1 [default: 1]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l sort -d 'Sort by this field [default: uid]' -r -f -a "uid\t''
name\t''"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l filter -d 'Only apartments whose FIELD (uid or name) is VALUE' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l json -d 'The query as JSON, as latchd takes it, instead of the flags above' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -l desc -d 'Sort in descending order'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from bind" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from bind" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from bind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from unbind" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from unbind" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from unbind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an apartment; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "get" -d 'Show one apartment'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "update" -d 'Replace an apartment with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an apartment, unbinding its identifiers'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "list" -d 'List apartments, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "bind" -d 'Bind an identifier to an apartment (moving it from another)'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "unbind" -d 'Unbind an identifier from its apartment'
complete -c latchctl -n "__fish_latchctl_using_subcommand apartments; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and not __fish_seen_subcommand_from states open help" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and not __fish_seen_subcommand_from states open help" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and not __fish_seen_subcommand_from states open help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and not __fish_seen_subcommand_from states open help" -f -a "states" -d 'Show whether each lock is locked or open'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and not __fish_seen_subcommand_from states open help" -f -a "open" -d 'Open a lock for its open time (first, second or all)'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and not __fish_seen_subcommand_from states open help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from states" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from states" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from states" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from open" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from open" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from help" -f -a "states" -d 'Show whether each lock is locked or open'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from help" -f -a "open" -d 'Open a lock for its open time (first, second or all)'
complete -c latchctl -n "__fish_latchctl_using_subcommand locks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and not __fish_seen_subcommand_from present help" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and not __fish_seen_subcommand_from present help" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and not __fish_seen_subcommand_from present help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and not __fish_seen_subcommand_from present help" -f -a "present" -d 'Present a credential: granted or denied, and why (exit status 0 either way)'
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and not __fish_seen_subcommand_from present help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and __fish_seen_subcommand_from present" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and __fish_seen_subcommand_from present" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and __fish_seen_subcommand_from present" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "present" -d 'Present a credential: granted or denied, and why (exit status 0 either way)'
complete -c latchctl -n "__fish_latchctl_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and not __fish_seen_subcommand_from list follow help" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and not __fish_seen_subcommand_from list follow help" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and not __fish_seen_subcommand_from list follow help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and not __fish_seen_subcommand_from list follow help" -f -a "list" -d 'List the access events, newest first'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and not __fish_seen_subcommand_from list follow help" -f -a "follow" -d 'Print access events as they happen, one a line, until interrupted'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and not __fish_seen_subcommand_from list follow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from list" -l limit -d 'Events a page, 1 to 1000 [default: 10]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from list" -l page -d 'Which page, from 1 [default: 1]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from list" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from list" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from follow" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from follow" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the access events, newest first'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Print access events as they happen, one a line, until interrupted'
complete -c latchctl -n "__fish_latchctl_using_subcommand events; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand completions" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand completions" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand manpage" -l address -d 'D-Bus address of the bus latchd is on [default: the system bus]' -r
complete -c latchctl -n "__fish_latchctl_using_subcommand manpage" -s o -l output -d 'table (for people) or json (for scripts)' -r -f -a "table\t'Aligned columns for people'
json\t'JSON for scripts'"
complete -c latchctl -n "__fish_latchctl_using_subcommand manpage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "identifiers" -d 'Create, change, list, import and export identifiers; QR codes, time profiles'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "profiles" -d 'Create, change and list time profiles: when attached identifiers open'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "apartments" -d 'Create, change and list apartments, and bind identifiers to them'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "locks" -d 'Show the lock states and open locks'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "access" -d 'Present a credential as a reader would'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "events" -d 'List or follow the access events'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "completions" -d 'Print shell completions for latchctl on standard output'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "manpage" -d 'Print the manual page latchctl(1) (roff) on standard output'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and not __fish_seen_subcommand_from identifiers profiles apartments locks access events completions manpage help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "create" -d 'Create an identifier; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "get" -d 'Show one identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "update" -d 'Replace an identifier with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "delete" -d 'Delete an identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "delete-many" -d 'Delete several identifiers at once: all or none'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "import" -d 'Create many identifiers from a CSV or JSON file: all or none; prints the new uids'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "export" -d 'Write every identifier to a CSV or JSON file (or standard output)'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "list" -d 'List identifiers, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "reset-passes" -d 'Give an identifier all its passes back'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "qr" -d 'Write the PNG of a qr identifier\'s QR code to a file'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "attach" -d 'Attach a time profile: the identifier opens only inside its profiles'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "detach" -d 'Detach a time profile from an identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from identifiers" -f -a "count" -d 'Print how many identifiers there are'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from profiles" -f -a "create" -d 'Create a time profile; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from profiles" -f -a "get" -d 'Show one time profile'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from profiles" -f -a "update" -d 'Replace a time profile with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from profiles" -f -a "delete" -d 'Delete a time profile, detaching it from every identifier'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from profiles" -f -a "list" -d 'List time profiles, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "create" -d 'Create an apartment; prints its uid'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "get" -d 'Show one apartment'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "update" -d 'Replace an apartment with a new body'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "delete" -d 'Delete an apartment, unbinding its identifiers'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "list" -d 'List apartments, a page at a time'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "bind" -d 'Bind an identifier to an apartment (moving it from another)'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from apartments" -f -a "unbind" -d 'Unbind an identifier from its apartment'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from locks" -f -a "states" -d 'Show whether each lock is locked or open'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from locks" -f -a "open" -d 'Open a lock for its open time (first, second or all)'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "present" -d 'Present a credential: granted or denied, and why (exit status 0 either way)'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "list" -d 'List the access events, newest first'
complete -c latchctl -n "__fish_latchctl_using_subcommand help; and __fish_seen_subcommand_from events" -f -a "follow" -d 'Print access events as they happen, one a line, until interrupted'
