// Command walletctl is the headless command-line client of the citizen data
// wallet. It proves that the domain runs without the UI: it creates a
// profile, enrols it with the provincial warehouse and syncs its records
// (verified before they are stored), imports records, lists and shows them
// with their version history, and changes the PIN, on the same encrypted
// store the app uses (wallet/badgerstore).
//
// # Usage
//
//	walletctl [global flags] <command> [flags] [arguments]
//
//	create --citizen-id N --name "Họ và tên" --birth YYYY-MM-DD
//	                      make a new profile (asks for a new PIN twice)
//	list [--domain D] [--type T] [--issuer I] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--status S]
//	                      the latest version of every matching record
//	show <id>             one record, its claims and its version history
//	import <file.json>    add records from an import file (wallet.ParseImport;
//	                      format citizenwallet.records/v1), all or nothing
//	change-pin            rewrap the profile's key under a new PIN
//	enrol --root-key FILE --code XXXXX-XXXXX [--warehouse URL] [--label L]
//	                      make a device key, bind it to the citizen with the
//	                      enrolment code (`warehouse code <citizen id>`); the
//	                      root key is the province's (`warehouse serve`
//	                      writes root-key.jwk); URL defaults to
//	                      http://127.0.0.1:8640
//	sync                  pull the change feed from where the last sync
//	                      stopped (rejected records are listed with why),
//	                      upload revocations, download consent uses
//	procedures            the procedure catalogue (codes and names)
//	share --procedure CODE --to AGENCY [--remove type.claim] [--add type.claim]
//	      [--minutes 15] [--single-use] [--nonce N] [--counter ID] [--qr-dir DIR] [--online] [--yes]
//	                      print exactly what would leave the device (and what
//	                      the procedure would then lack); with --yes, record
//	                      the consent and print the QR texts (PNGs in DIR);
//	                      --online makes a one-QR token the counter redeems
//	                      at the warehouse (which logs the use)
//	consents [--export FILE]
//	                      every consent given, its state and its known uses;
//	                      --export writes the HMAC-chained history signed
//	                      with the device key (share.VerifyProof checks it)
//	revoke <id>           revoke a consent (uploaded at the next sync)
//	verify --root-key FILE --audience AGENCY [--warehouse URL] [--replay FILE]
//	       [--status-ca FILE] [--image F.png ...] [QR text ...]
//	                      the counter: verify a consent QR offline against the
//	                      trust list (fetched when the warehouse answers,
//	                      cached otherwise), the revocation list (idem) and
//	                      each record's agency status list (over https;
//	                      --status-ca trusts a warehouse's self-signed
//	                      certificate, make warehouse's bin/warehouse/tls);
//	                      online tokens are redeemed at the warehouse;
//	                      QR texts from arguments, images,
//	                      or standard input one per line (a keyboard-wedge
//	                      scanner); needs no profile and no PIN
//	types                 the record types, their codes and domains
//	help                  this text
//
// Global flags (before or after the command):
//
//	--profile NAME  the profile (default "default"), kept in
//	                <user config dir>/citizenwallet/profiles/NAME
//	--data DIR      use the profile in DIR instead
//	--pin-stdin     read PINs from standard input, one per line (for
//	                scripts): create reads the new PIN, change-pin the
//	                current then the new one, other commands the PIN.
//	                Without it the PIN is asked on the terminal without echo.
//
// Output is plain text, Vietnamese first with English beside it. Errors are
// one line on standard error, beginning with "walletctl: ".
//
// # Exit codes
//
//	0  success
//	1  any other failure (file system, store, warehouse unreachable or refusing)
//	2  usage: unknown command or flag, missing argument, no terminal for the PIN
//	3  wrong PIN
//	4  too many wrong PINs: wait (the message says how long)
//	5  invalid input: citizen number, name, birth date, PIN rules, import
//	   file, root key file, enrolment code refused; verify: token rejected
//	6  not found: no profile in the directory, no record with that id, or
//	   (sync) the profile is not enrolled
//	7  damaged: the profile header or a stored value failed its check
//	8  a profile already exists in the directory (create)
package main
