package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

const auditUsage = `Cách dùng / Usage:
  warehouse audit export [-db postgres://… | -data DIR] [-o FILE]
        xuất nhật ký kiểm toán (JSON Lines) / export the audit log as JSON Lines
        (default: to stdout). It opens the store itself: PostgreSQL at any
        time; the embedded store (DIR/db) only while no server runs on it
        (one process at a time). It prints the head (SEQ:HASH) to stderr:
        keep it away from the warehouse, to check later exports against.
  warehouse audit verify [-head SEQ:HASH] FILE|-
        kiểm tra chuỗi băm của bản xuất / verify an export's hash chain; with
        -head, also that the export holds the entry SEQ with that hash (a
        head kept from an earlier export).

The export names citizens by number: it is personal data, written with
mode 0600; keep it as the database is kept.
`

// cmdAudit is `warehouse audit export|verify`.
func cmdAudit(e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, auditUsage)
		return cli.Usagef("cần / expects export or verify")
	}
	switch args[0] {
	case "export":
		return auditExport(e, args[1:])
	case "verify":
		return auditVerify(e, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, auditUsage)
		return nil
	}
	return cli.Usagef("lệnh không rõ / unknown audit command %q (export or verify)", args[0])
}

func auditExport(e *env, args []string) error {
	flags := flag.NewFlagSet("audit export", flag.ContinueOnError)
	var c serveConfig
	var out string
	flags.StringVar(&c.db, "db", "", "PostgreSQL URL (postgres://…); empty: the embedded store in the data directory")
	flags.StringVar(&c.data, "data", e.getenv("WAREHOUSE_DATA"), "the warehouse's data directory, for the embedded store (default $WAREHOUSE_DATA, or serve's default)")
	flags.StringVar(&out, "o", "-", "the file to write (- for stdout)")
	flags.Usage = func() { fmt.Fprint(flags.Output(), auditUsage) }
	if _, err := parse(e, flags, args); err != nil {
		return err
	}
	if c.db == "" {
		dir, err := dataDir(c.data)
		if err != nil {
			return err
		}
		c.data = dir
		// embedded.Open would make an empty store where there is none.
		if _, err := os.Stat(filepath.Join(dir, "db")); errors.Is(err, fs.ErrNotExist) {
			return &cli.Error{Code: cli.NotFound, Msg: fmt.Sprintf("không có kho / no embedded store in %s (give -data, or -db for PostgreSQL)", filepath.Join(dir, "db"))}
		}
	}
	st, where, err := openStore(e.ctx, c)
	if err != nil {
		if c.db == "" {
			return fmt.Errorf("%w (the embedded store is one process at a time: stop the server that uses it, then export)", err)
		}
		return err
	}
	defer st.Close()

	w, commit, err := createOutput(e, out)
	if err != nil {
		return err
	}
	n, head, exportErr := warehouse.ExportAudit(e.ctx, st, w)
	var chainErr *warehouse.AuditChainError
	if exportErr != nil && !errors.As(exportErr, &chainErr) {
		commit(false)
		return exportErr
	}
	// A log that does not verify is written whole too: it is the evidence.
	if err := commit(true); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "audit: %d mục đã xuất / entries exported from %s; head %d:%s\n", n, where, n, hex.EncodeToString(head))
	if chainErr != nil {
		return &cli.Error{Code: cli.Invalid, Msg: fmt.Sprintf("nhật ký bị sửa / the stored audit log does not verify: %v", chainErr)}
	}
	return nil
}

// createOutput opens where an export goes: stdout for "-", else a
// temporary file (mode 0600) beside path that commit(true) syncs and
// renames to path, so a failed export leaves no partial file.
func createOutput(e *env, path string) (io.Writer, func(ok bool) error, error) {
	if path == "-" || path == "" {
		return e.stdout, func(bool) error { return nil }, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, nil, err
	}
	commit := func(ok bool) error {
		if !ok {
			f.Close()
			os.Remove(f.Name())
			return nil
		}
		err := f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(f.Name(), path)
		}
		if err != nil {
			os.Remove(f.Name())
		}
		return err
	}
	return f, commit, nil
}

func auditVerify(e *env, args []string) error {
	flags := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	var anchor string
	flags.StringVar(&anchor, "head", "", "SEQ:HASH of an earlier export's head, which this export must hold")
	flags.Usage = func() { fmt.Fprint(flags.Output(), auditUsage) }
	pos, err := parse(e, flags, args, "FILE")
	if err != nil {
		return err
	}
	var seq int64
	var want []byte
	if anchor != "" {
		s, h, ok := strings.Cut(anchor, ":")
		seq, err = strconv.ParseInt(s, 10, 64)
		if err == nil {
			want, err = hex.DecodeString(h)
		}
		if !ok || err != nil || seq < 0 || len(want) != warehouse.AuditHashSize {
			return cli.Usagef("-head %q: give SEQ:HASH as audit export prints it", anchor)
		}
	}
	open := func() (io.ReadCloser, error) {
		if pos[0] == "-" {
			return io.NopCloser(e.stdin), nil
		}
		f, err := os.Open(pos[0])
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &cli.Error{Code: cli.NotFound, Msg: fmt.Sprintf("không có tệp / no such file: %s", pos[0])}
		}
		return f, err
	}
	r, err := open()
	if err != nil {
		return err
	}
	kept := &lineAt{r: r, at: seq}
	n, head, err := warehouse.VerifyAuditExport(kept)
	r.Close()
	if errors.Is(err, warehouse.ErrAuditChain) {
		return &cli.Error{Code: cli.Invalid, Msg: fmt.Sprintf("bản xuất bị sửa / the export does not verify: %v", err)}
	}
	if err != nil {
		return err
	}
	if anchor != "" {
		if int64(n) < seq {
			return &cli.Error{Code: cli.Invalid, Msg: fmt.Sprintf("bản xuất bị cắt / the export ends at seq %d, before the kept head %d: entries were removed", n, seq)}
		}
		// The whole export verified, so line seq is entry seq.
		got := make([]byte, warehouse.AuditHashSize)
		if seq > 0 {
			var l struct {
				Hash string `json:"hash"`
			}
			if err := json.Unmarshal(kept.line, &l); err != nil {
				return err
			}
			got, _ = hex.DecodeString(l.Hash)
		}
		if !bytes.Equal(got, want) {
			return &cli.Error{Code: cli.Invalid, Msg: fmt.Sprintf("chuỗi bị viết lại / entry %d has hash %x, the kept head is %x: the chain was rewritten", seq, got, want)}
		}
	}
	fmt.Fprintf(e.stdout, "audit: %d mục hợp lệ / entries verified; head %d:%s\n", n, n, hex.EncodeToString(head))
	return nil
}

// lineAt passes a stream through and keeps its line number at (from 1;
// none for 0), without its newline.
type lineAt struct {
	r    io.Reader
	at   int64
	cur  int64 // newlines read so far
	line []byte
}

func (t *lineAt) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.cur < t.at {
		for _, b := range p[:n] {
			if b == '\n' {
				if t.cur++; t.cur >= t.at {
					break
				}
				continue
			}
			if t.cur == t.at-1 {
				t.line = append(t.line, b)
			}
		}
	}
	return n, err
}
