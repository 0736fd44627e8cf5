package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"text/tabwriter"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

const officesUsage = "cách dùng / usage: warehouse offices list | warehouse offices set <offices.json|->"

// cmdOffices manages the province's directory of offices (the recipients
// a citizen picks by name; they travel in the trust list):
//
//	warehouse offices list
//	warehouse offices set FILE|-
//
// FILE is a JSON array of offices: {"id", "name": {"vi", "en"}, "kind"}.
// set replaces the whole directory (operator token).
func cmdOffices(e *env, args []string) error {
	if len(args) == 0 {
		return cli.Usagef(officesUsage)
	}
	switch args[0] {
	case "list":
		return adminCall(e, args[1:], "offices list", http.MethodGet, nil,
			func([]string) string { return warehouse.AdminPathOffices },
			func(out []trust.Office, _ []string) error { return printOffices(e, out) })
	case "set":
		return cmdOfficesSet(e, args[1:])
	}
	return cli.Usagef(officesUsage)
}

func cmdOfficesSet(e *env, args []string) error {
	fs := flag.NewFlagSet("offices set", flag.ContinueOnError)
	var a adminFlags
	a.register(e, fs)
	pos, err := parse(e, fs, args, "<offices.json | ->")
	if err != nil {
		return err
	}
	var body []byte
	if pos[0] == "-" {
		body, err = io.ReadAll(io.LimitReader(e.stdin, 1<<20+1))
	} else {
		body, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: err.Error()}
	}
	var check []trust.Office
	if err := json.Unmarshal(body, &check); err != nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s is not a list of offices (a JSON array of {\"id\", \"name\": {\"vi\", \"en\"}, \"kind\"}): %v", pos[0], err)}
	}
	var out []trust.Office
	raw, err := a.call(e, http.MethodPut, warehouse.AdminPathOffices, body, &out)
	if err != nil {
		return err
	}
	if a.json {
		a.print(e, raw)
		return nil
	}
	fmt.Fprintf(e.stdout, "đã cập nhật danh bạ / directory set: %d cơ quan tiếp nhận / offices; danh sách tin cậy mới mang chúng / the next trust list carries them\n", len(out))
	return nil
}

// printOffices writes the directory as a table, by kind then name.
func printOffices(e *env, offices []trust.Office) error {
	if len(offices) == 0 {
		fmt.Fprintln(e.stdout, "chưa có cơ quan tiếp nhận / no offices listed")
		return nil
	}
	l := trust.List{Offices: offices}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOẠI / KIND\tMÃ / ID\tTÊN / NAME")
	for _, kind := range trust.OfficeKinds() {
		for _, o := range l.OfficesOfKind(kind) {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", o.Kind, o.ID, o.Name.VI)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d cơ quan / offices\n", len(offices))
	return nil
}
