package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
)

// Exit codes.
const (
	exitOK       = cli.OK
	exitFailure  = cli.Failure
	exitUsage    = cli.Usage
	exitInvalid  = cli.Invalid
	exitNotFound = cli.NotFound
)

const usageText = `warehouse: kho dữ liệu dùng chung tham chiếu / reference provincial data warehouse

Cách dùng / Usage:
  warehouse serve [-addr 127.0.0.1:8640] [-admin 127.0.0.1:8641] [-data DIR] [-db postgres://…]
                  [-keys DIR] [-citizens 1000] [-seed 1]
        chạy máy chủ (tải tỉnh mẫu vào kho trống) / run the server (a demo province into an empty store)
  warehouse citizens [-after ID] [-limit N]   danh sách công dân / list citizens
  warehouse code <số định danh>               mã đăng ký thiết bị / print an enrolment code
  warehouse show <số định danh>               xem công dân và hồ sơ / show a citizen's records
  warehouse issue <số định danh> <tệp.json|->  cấp hoặc đính chính hồ sơ / issue or correct a record
  warehouse withdraw <số định danh> <mã hồ sơ> thu hồi hồ sơ / withdraw a record
  warehouse devices <số định danh>            thiết bị đã đăng ký / enrolled devices
  warehouse revoke-device <số định danh> <mã thiết bị>
                                              vô hiệu hóa thiết bị bị mất / disable a lost device
  warehouse rotate-key <mã cơ quan>           khóa ký mới cho cơ quan (khóa cũ vẫn xác minh những gì đã ký)
                                              / a new signing key for an agency (the old one keeps verifying what it signed)
  warehouse compromise-key <mã cơ quan>       khóa hiện tại bị lộ: không còn xác minh gì, khóa mới, ví nhận lại hồ sơ
                                              / the current key leaked: it verifies nothing, a new key, wallets renew
  warehouse root-key                          khóa gốc của tỉnh (JWK) / the province root key
  warehouse offices list                      danh bạ cơ quan tiếp nhận / the directory of offices
  warehouse offices set <tệp.json|->          thay danh bạ (UBND xã/phường, trường học …; operator)
                                              / replace the directory of recipient offices
  warehouse admin-token -name TÊN -role operator|agency|commune [-agency ID] [-commune TÊN]
                                              cấp quyền quản trị / add an admin API holder
  warehouse audit export [-db postgres://… | -data DIR] [-o FILE]
                                              xuất nhật ký kiểm toán / export the audit log (embedded store: server stopped)
  warehouse audit verify [-head SEQ:HASH] <tệp|->
                                              kiểm tra bản xuất / verify an export's hash chain
  warehouse agency push -agency ID [-key FILE] [-url URL] <lô.json|->
                                              cơ quan gửi lô hồ sơ (LGSP) / an agency pushes a batch

The admin commands reach a running server at -admin-url (default
http://127.0.0.1:8641, or $WAREHOUSE_ADMIN) with the token -token (or
$WAREHOUSE_ADMIN_TOKEN, or the one serve keeps in its data directory,
-data or $WAREHOUSE_DATA).

Mã thoát / Exit codes: 0 ok, 1 lỗi/failure, 2 sai cách dùng/usage,
5 dữ liệu không hợp lệ/invalid input, 6 không tìm thấy/not found
`

// env is what a command runs with.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

type command func(e *env, args []string) error

var commands = map[string]command{
	"serve":         cmdServe,
	"citizens":      cmdCitizens,
	"code":          cmdCode,
	"show":          cmdShow,
	"issue":         cmdIssue,
	"withdraw":      cmdWithdraw,
	"devices":       cmdDevices,
	"revoke-device": cmdRevokeDevice,
	"rotate-key":    cmdRotateKey,
	"root-key":      cmdRootKey,
	"agency":        cmdAgency,
	"admin-token":   cmdAdminToken,
	"audit":         cmdAudit,
	"offices":       cmdOffices,

	// Key compromise (sync/warehouse CompromiseAgencyKey).
	"compromise-key": cmdCompromiseKey,
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(&env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: osGetenv}, args)
}

func runEnv(e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(e.stdout, usageText)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "warehouse: lệnh không rõ / unknown command %q\n\n%s", args[0], usageText)
		return exitUsage
	}
	err := cmd(e, args[1:])
	if err == nil {
		return exitOK
	}
	if ce, ok := cli.As(err); ok {
		fmt.Fprintf(e.stderr, "warehouse %s: %s\n", args[0], ce.Msg)
		return ce.Code
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "warehouse %s: %v\n", args[0], err)
	return exitFailure
}

// parse parses flags of a command and checks the number of positional
// arguments.
func parse(e *env, fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, cli.Usagef("%v", err)
	}
	if fs.NArg() != len(positional) {
		return nil, cli.Usagef("cần / expects %d argument(s): %s", len(positional), strings.Join(positional, " "))
	}
	return fs.Args(), nil
}
