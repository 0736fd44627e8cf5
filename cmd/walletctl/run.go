package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// Exit codes (documented in doc.go).
const (
	exitOK       = cli.OK
	exitFailure  = cli.Failure
	exitUsage    = cli.Usage
	exitWrongPIN = 3
	exitThrottle = 4
	exitInvalid  = cli.Invalid
	exitNotFound = cli.NotFound
	exitDamaged  = 7
	exitExists   = 8
)

// storeOptions are the options every command creates and opens stores
// with. Only tests change them (to kdf.Test(), so that creating a profile
// does not cost a production Argon2id derivation); the program has no flag
// or variable that can, so a real profile is never wrapped with the cheap
// setting.
var storeOptions = badgerstore.Options{}

const usageText = `walletctl: ví dữ liệu công dân, dòng lệnh / citizen data wallet, command line

Cách dùng / Usage:
  walletctl [--profile NAME | --data DIR] [--pin-stdin] <lệnh/command> ...

Lệnh / Commands:
  create --citizen-id N --name "Họ và tên" --birth YYYY-MM-DD
                        tạo hồ sơ / create a profile
  list [--domain D] [--type T] [--issuer I] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--status S]
                        liệt kê hồ sơ / list records
  show <id>             xem một hồ sơ và lịch sử phiên bản / show a record and its versions
  import <file.json>    nhập hồ sơ từ tệp / import records from a file
  change-pin            đổi mã PIN / change the PIN
  enrol --root-key FILE --code XXXXX-XXXXX [--warehouse URL]
                        đăng ký thiết bị với kho dữ liệu / enrol this device with the warehouse
  sync                  đồng bộ hồ sơ từ kho dữ liệu / sync records from the warehouse
  procedures            các thủ tục hành chính / the procedure catalogue
  share --procedure CODE --to AGENCY [--remove type.claim] [--add type.claim]
        [--minutes 15] [--single-use] [--nonce N] [--qr-dir DIR] [--yes]
                        xem trước rồi chia sẻ bằng mã QR / preview, then share as QR
  consents [--export FILE]
                        các lần đồng ý và ai đã dùng / every consent and who used it
  revoke <id>           thu hồi một lần đồng ý / revoke a consent
  verify --root-key FILE --audience AGENCY [--image F.png] [QR text ...]
                        quầy một cửa: kiểm tra mã QR (không cần hồ sơ) / counter: verify a QR (no profile)
  types                 các loại hồ sơ / record types
  help                  hướng dẫn này / this help

Tùy chọn chung / Global flags:
  --profile NAME        hồ sơ / profile (mặc định/default "default")
  --data DIR            thư mục hồ sơ / profile directory
  --pin-stdin           đọc PIN từ đầu vào chuẩn, mỗi dòng một PIN / read PINs from stdin, one per line

Mã thoát / Exit codes:
  0 thành công/success  1 lỗi khác/other failure  2 sai cách dùng/usage
  3 sai PIN/wrong PIN  4 tạm khóa vì sai PIN nhiều lần/throttled
  5 dữ liệu không hợp lệ/invalid input  6 không tìm thấy/not found
  7 dữ liệu hỏng/damaged  8 hồ sơ đã tồn tại/profile exists
`

// globals are the flags every command accepts.
type globals struct {
	profile  string
	data     string
	pinStdin bool
}

func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.profile, "profile", g.profile, "profile name")
	fs.StringVar(&g.data, "data", g.data, "profile directory")
	fs.BoolVar(&g.pinStdin, "pin-stdin", g.pinStdin, "read PINs from standard input")
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// dir returns the profile directory the flags select.
func (g *globals) dir() (string, error) {
	if g.data != "" {
		return filepath.Clean(g.data), nil
	}
	if !profileName.MatchString(g.profile) {
		return "", cli.Usagef("tên hồ sơ không hợp lệ / invalid profile name %q (letters, digits, . _ -)", g.profile)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", cli.Usagef("không tìm thấy thư mục cấu hình, hãy dùng --data / no user config directory, use --data: %v", err)
	}
	return filepath.Join(base, "citizenwallet", "profiles", g.profile), nil
}

// env is what a command runs with.
type env struct {
	g      globals
	ctx    context.Context
	stdin  io.Reader // only commands that read no PIN use it directly (verify)
	stdout io.Writer
	stderr io.Writer
	pins   *pinReader
	now    func() time.Time
}

// runner runs a command on its positional arguments.
type runner func(e *env, args []string) error

// command is one subcommand: setup registers its own flags and returns
// the runner that reads them.
type command struct {
	name  string
	setup func(fs *flag.FlagSet) runner
}

func noFlags(f runner) func(*flag.FlagSet) runner {
	return func(*flag.FlagSet) runner { return f }
}

// run is the whole program: it parses args (without the program name),
// runs one command and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{
		g:      globals{profile: "default"},
		ctx:    context.Background(),
		stdin:  stdin,
		stdout: stdout,
		stderr: stderr,
		now:    time.Now,
	}
	top := flag.NewFlagSet("walletctl", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	e.g.register(top)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		return fail(stderr, cli.Usagef("%v (walletctl help)", err))
	}
	rest := top.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	name, rest := rest[0], rest[1:]
	var cmd *command
	for i := range commands {
		if commands[i].name == name {
			cmd = &commands[i]
		}
	}
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if cmd == nil {
		return fail(stderr, cli.Usagef("không có lệnh %q / unknown command %q (walletctl help)", name, name))
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	e.g.register(fs)
	runCmd := cmd.setup(fs)
	if err := fs.Parse(positionalIDs(fs, rest)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		return fail(stderr, cli.Usagef("%s: %v (walletctl help)", name, err))
	}
	e.pins = newPINReader(stdin, stderr, e.g.pinStdin)
	if err := runCmd(e, fs.Args()); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// positionalIDs moves the arguments that only look like flags to the
// positional ones, after "--": a consent or record id is random base64url
// and may begin with '-' (a consent id "-bjzn4tlezHGlEf6hD8WNg" is not a
// flag). An argument counts as an id when it starts with '-', names no
// flag of fs, holds no '=' and is at least 20 characters long; anything
// else that names no flag still fails as an unknown flag.
func positionalIDs(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if j := strings.IndexByte(name, '='); j >= 0 {
			flags = append(flags, a)
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			if len(a) >= 20 {
				pos = append(pos, a)
			} else {
				flags = append(flags, a) // an unknown flag: Parse says so
			}
			continue
		}
		flags = append(flags, a)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); (!ok || !b.IsBoolFlag()) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(append(flags, "--"), pos...)
}

var commands = []command{
	{name: "create", setup: setupCreate},
	{name: "list", setup: setupList},
	{name: "show", setup: noFlags(cmdShow)},
	{name: "import", setup: noFlags(cmdImport)},
	{name: "change-pin", setup: noFlags(cmdChangePIN)},
	{name: "types", setup: noFlags(cmdTypes)},
	{name: "enrol", setup: setupEnrol},
	{name: "sync", setup: noFlags(cmdSync)},
	{name: "procedures", setup: noFlags(cmdProcedures)},
	{name: "share", setup: setupShare},
	{name: "verify", setup: setupVerify},
	{name: "consents", setup: setupConsents},
	{name: "revoke", setup: noFlags(cmdRevoke)},
}

// fail prints err as one line and returns its exit code.
func fail(stderr io.Writer, err error) int {
	code, msg := describe(err)
	msg = strings.Join(strings.Fields(msg), " ") // one line, whatever the error holds
	fmt.Fprintf(stderr, "walletctl: %s\n", msg)
	return code
}

// describe turns an error into an exit code and a bilingual message.
func describe(err error) (int, string) {
	if ce, ok := cli.As(err); ok {
		return ce.Code, ce.Msg
	}
	var th *wallet.ThrottledError
	switch {
	case errors.As(err, &th):
		wait := th.RetryAfter.Round(time.Second)
		return exitThrottle, fmt.Sprintf("nhập sai PIN %d lần liên tiếp, hãy thử lại sau %s / %d wrong PINs in a row, try again in %s", th.Failures, wait, th.Failures, wait)
	case errors.Is(err, wallet.ErrThrottled):
		return exitThrottle, "nhập sai PIN quá nhiều lần, hãy chờ rồi thử lại / too many wrong PINs, wait and try again"
	case errors.Is(err, wallet.ErrWrongPIN):
		return exitWrongPIN, "sai mã PIN / wrong PIN"
	case errors.Is(err, wallet.ErrCorruptHeader):
		return exitDamaged, fmt.Sprintf("tệp khóa của hồ sơ bị hỏng, đừng xóa dữ liệu; hãy nhờ tổ công nghệ số hỗ trợ / the profile's key header is damaged (%v)", err)
	case errors.Is(err, wallet.ErrIntegrity):
		return exitDamaged, fmt.Sprintf("dữ liệu lưu trữ không qua được kiểm tra toàn vẹn / stored data failed its integrity check (%v)", err)
	case errors.Is(err, wallet.ErrExists):
		return exitExists, fmt.Sprintf("hồ sơ đã tồn tại / profile already exists (%v)", err)
	case errors.Is(err, wallet.ErrNotFound):
		return exitNotFound, fmt.Sprintf("không tìm thấy / not found (%v)", err)
	case errors.Is(err, wallet.ErrInvalid), errors.Is(err, wallet.ErrStaleVersion):
		return exitInvalid, fmt.Sprintf("dữ liệu không hợp lệ / invalid input (%v)", err)
	case errors.Is(err, wallet.ErrLocked):
		return exitFailure, fmt.Sprintf("ví đang khóa / the wallet is locked (%v)", err)
	}
	return exitFailure, fmt.Sprintf("lỗi / error: %v", err)
}
