// Command warehouse runs the provincial data warehouse's wallet-facing
// service: the wallet protocol and the agencies' ingestion API
// (docs/warehouse-openapi.yaml) on one address and the admin API on a
// loopback-only other, over the embedded store (the default: zero setup)
// or PostgreSQL (-db postgres://…, any number of processes on one
// database). An empty store is filled with a demo province through the
// bulk ingestion path. Its other commands talk to a running server:
// print an enrolment code, show a citizen, issue, correct and withdraw
// records, list a citizen's devices and disable a lost one, manage the
// directory of offices citizens share with (admin API),
// and push an agency's batch of record operations (ingestion API).
//
//	warehouse serve [-addr 127.0.0.1:8640] [-admin 127.0.0.1:8641] [-data DIR] [-db URL] [-keys DIR] [-citizens 1000] [-seed 1]
//	warehouse citizens [-after ID] [-limit N]
//	warehouse code <citizen-id>
//	warehouse show <citizen-id>
//	warehouse issue <citizen-id> <record.json | ->
//	warehouse withdraw <citizen-id> <record-id>
//	warehouse devices <citizen-id>
//	warehouse revoke-device <citizen-id> <device-id>
//	warehouse rotate-key <agency-id>
//	warehouse compromise-key <agency-id>
//	warehouse root-key
//	warehouse offices list
//	warehouse offices set <offices.json | ->
//	warehouse audit export [-db URL | -data DIR] [-o FILE]
//	warehouse audit verify [-head SEQ:HASH] FILE
//	warehouse agency push -agency ID [-key FILE] [-url URL] BATCH.json
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
