// Command warehouse runs the reference provincial data warehouse: the
// wallet-facing protocol (docs/warehouse-openapi.yaml) on one address and
// the admin API on a loopback-only other, over an embedded badger store
// that holds a generated demo province on first start. Its other commands
// talk to a running server's admin API: print an enrolment code, show a
// citizen, issue, correct and withdraw records, list a citizen's devices
// and disable a lost one.
//
//	warehouse serve [-addr 127.0.0.1:8640] [-admin 127.0.0.1:8641] [-data DIR] [-citizens 1000] [-seed 1]
//	warehouse citizens [-offset N] [-limit N]
//	warehouse code <citizen-id>
//	warehouse show <citizen-id>
//	warehouse issue <citizen-id> <record.json | ->
//	warehouse withdraw <citizen-id> <record-id>
//	warehouse devices <citizen-id>
//	warehouse revoke-device <citizen-id> <device-id>
//	warehouse root-key
//
// Exit codes: 0 success, 1 failure, 2 usage, 5 invalid input, 6 not found.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
