package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// ---- create ----

type createArgs struct{ citizenID, name, birth string }

func setupCreate(fs *flag.FlagSet) runner {
	var a createArgs
	fs.StringVar(&a.citizenID, "citizen-id", "", "12-digit personal identification number")
	fs.StringVar(&a.name, "name", "", "full name")
	fs.StringVar(&a.birth, "birth", "", "birth date YYYY-MM-DD")
	return func(e *env, args []string) error { return cmdCreate(e, a, args) }
}

func cmdCreate(e *env, a createArgs, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("create: thừa đối số / unexpected argument %q", args[0])
	}
	if a.citizenID == "" || a.name == "" || a.birth == "" {
		return cli.Usagef(`create: cần --citizen-id, --name và --birth / create needs --citizen-id, --name and --birth`)
	}
	birth, err := parseDay(a.birth)
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("ngày sinh không hợp lệ / invalid birth date %q: use YYYY-MM-DD", a.birth)}
	}
	p := wallet.Profile{
		CitizenID: strings.TrimSpace(a.citizenID),
		FullName:  strings.Join(strings.Fields(a.name), " "),
		BirthDate: birth,
		CreatedAt: e.now().UTC().Truncate(time.Second),
	}
	if err := p.Validate(); err != nil {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("thông tin hồ sơ không hợp lệ / invalid profile (%v)", err)}
	}
	dir, err := e.g.dir()
	if err != nil {
		return err
	}
	if has, err := hasProfile(dir); err != nil {
		return err
	} else if has {
		return &cli.Error{Code: exitExists, Msg: fmt.Sprintf("đã có hồ sơ ở / a profile already exists in %s", dir)}
	}
	pin, err := e.pins.newPIN("Mã PIN mới / New PIN: ", "Nhập lại mã PIN / Repeat the PIN: ")
	if err != nil {
		return err
	}
	defer wipe(pin)
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	s, err := badgerstore.Create(dir, pin, p, storeOptions)
	if err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	prov, _ := wallet.CitizenIDProvince(p.CitizenID)
	fmt.Fprintf(e.stdout, "Đã tạo hồ sơ / Profile created: %s (số định danh / ID %s, %s)\n", p.FullName, p.CitizenID, prov)
	fmt.Fprintf(e.stdout, "Thư mục / Directory: %s\n", dir)
	return nil
}

// parseDay accepts YYYY-MM-DD and, as Vietnamese forms write it, DD/MM/YYYY.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := wallet.ParseDate(s); err == nil {
		return d, nil
	}
	return time.Parse("02/01/2006", s)
}

// hasProfile reports whether dir holds anything (a profile, or something
// create must not overwrite).
func hasProfile(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read profile directory: %w", err)
	}
	return len(entries) > 0, nil
}

// open asks for the PIN and opens the selected profile.
func (e *env) open() (wallet.Store, error) {
	dir, err := e.g.dir()
	if err != nil {
		return nil, err
	}
	if has, err := hasProfile(dir); err != nil {
		return nil, err
	} else if !has {
		return nil, &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("chưa có hồ sơ ở %s, hãy tạo bằng \"walletctl create\" / no profile in %s, create one with \"walletctl create\"", dir, dir)}
	}
	pin, err := e.pins.read("Mã PIN / PIN: ")
	if err != nil {
		return nil, err
	}
	defer wipe(pin)
	s, err := badgerstore.Open(dir, pin, storeOptions)
	if err != nil {
		return nil, fmt.Errorf("open profile: %w", err)
	}
	return s, nil
}

// withStore runs f on the opened store and closes it, reporting a close
// error only when f succeeded.
func (e *env) withStore(f func(s wallet.Store) error) (err error) {
	s, err := e.open()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close profile: %w", cerr)
		}
	}()
	return f(s)
}

// ---- list ----

type listArgs struct{ domain, typ, issuer, from, to, status string }

func setupList(fs *flag.FlagSet) runner {
	var a listArgs
	fs.StringVar(&a.domain, "domain", "", "domain code")
	fs.StringVar(&a.typ, "type", "", "record type code")
	fs.StringVar(&a.issuer, "issuer", "", "issuer id")
	fs.StringVar(&a.from, "from", "", "issued on or after YYYY-MM-DD")
	fs.StringVar(&a.to, "to", "", "issued on or before YYYY-MM-DD")
	fs.StringVar(&a.status, "status", "", "active, superseded or withdrawn")
	return func(e *env, args []string) error { return cmdList(e, a, args) }
}

func (a listArgs) query() (wallet.Query, error) {
	var q wallet.Query
	if a.domain != "" {
		d := wallet.Domain(a.domain)
		if !slices.Contains(wallet.Domains, d) {
			names := make([]string, len(wallet.Domains))
			for i, d := range wallet.Domains {
				names[i] = string(d)
			}
			return q, cli.Usagef("list: không có lĩnh vực / unknown domain %q (%s)", a.domain, strings.Join(names, ", "))
		}
		q.Domain = d
	}
	if a.typ != "" {
		t, ok := wallet.LookupType(a.typ)
		if !ok {
			return q, cli.Usagef("list: không có loại hồ sơ / unknown record type %q (walletctl types)", a.typ)
		}
		q.Type = t.Code
	}
	q.Issuer = a.issuer
	if a.from != "" {
		d, err := parseDay(a.from)
		if err != nil {
			return q, cli.Usagef("list: --from %q không phải ngày / is not a date YYYY-MM-DD", a.from)
		}
		q.IssuedFrom = d
	}
	if a.to != "" {
		d, err := parseDay(a.to)
		if err != nil {
			return q, cli.Usagef("list: --to %q không phải ngày / is not a date YYYY-MM-DD", a.to)
		}
		q.IssuedTo = d.Add(24*time.Hour - time.Nanosecond) // the whole day
	}
	if !q.IssuedFrom.IsZero() && !q.IssuedTo.IsZero() && q.IssuedTo.Before(q.IssuedFrom) {
		return q, cli.Usagef("list: --to trước --from / --to is before --from")
	}
	if a.status != "" {
		s := wallet.Status(a.status)
		if s != wallet.StatusActive && s != wallet.StatusSuperseded && s != wallet.StatusWithdrawn {
			return q, cli.Usagef("list: trạng thái / unknown status %q (active, superseded, withdrawn)", a.status)
		}
		q.Statuses = []wallet.Status{s}
	}
	return q, nil
}

func cmdList(e *env, a listArgs, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("list: thừa đối số / unexpected argument %q", args[0])
	}
	q, err := a.query()
	if err != nil {
		return err
	}
	return e.withStore(func(s wallet.Store) error {
		p, err := s.Profile(e.ctx)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		recs, err := s.Records(e.ctx, q)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		fmt.Fprintf(e.stdout, "Hồ sơ của / Records of: %s (%s)\n", p.FullName, p.CitizenID)
		writeList(e.stdout, recs)
		return nil
	})
}

// ---- show ----

func cmdShow(e *env, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("show: cần đúng một mã hồ sơ / show needs exactly one record id")
	}
	id := args[0]
	return e.withStore(func(s wallet.Store) error {
		r, err := s.Record(e.ctx, id)
		if errors.Is(err, wallet.ErrNotFound) {
			return &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("không có hồ sơ / no record with id %q", id)}
		}
		if err != nil {
			return fmt.Errorf("show: %w", err)
		}
		hist, err := s.History(e.ctx, id)
		if err != nil {
			return fmt.Errorf("show: %w", err)
		}
		writeRecord(e.stdout, r, hist)
		return nil
	})
}

// ---- import ----

func cmdImport(e *env, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("import: cần đúng một tệp / import needs exactly one file")
	}
	f, err := os.Open(args[0])
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("không có tệp / no such file: %s", args[0])}
		}
		return fmt.Errorf("import: %w", err)
	}
	recs, err := wallet.ParseImport(f)
	f.Close()
	if err != nil {
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("tệp nhập không hợp lệ, chưa nhập gì / invalid import file, nothing imported (%s: %v)", args[0], err)}
	}
	return e.withStore(func(s wallet.Store) error {
		p, err := s.Profile(e.ctx)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		fresh, present, err := newVersions(e, s, p, recs)
		if err != nil {
			return err
		}
		if len(fresh) > 0 {
			if err := s.Apply(e.ctx, wallet.Batch{Records: fresh}); err != nil {
				return fmt.Errorf("import: %w", err)
			}
		}
		fmt.Fprintf(e.stdout, "Đã nhập %d phiên bản hồ sơ, %d đã có sẵn / Imported %d record versions, %d already present\n",
			len(fresh), present, len(fresh), present)
		return nil
	})
}

// newVersions returns the records of an import that the store does not
// hold yet, oldest version first per id, stamped with ReceivedAt, and how
// many it already holds. A version the store holds with other content, or
// a record about another citizen, fails the whole import.
func newVersions(e *env, s wallet.Store, p wallet.Profile, recs []wallet.Record) ([]wallet.Record, int, error) {
	now := e.now().UTC().Truncate(time.Second)
	stored := map[string][]wallet.Record{}
	var fresh []wallet.Record
	present := 0
	for i, r := range recs {
		if cid, ok := r.Claims["citizen_id"].(string); ok && cid != p.CitizenID {
			return nil, 0, &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf(
				"hồ sơ %s là của công dân khác, chưa nhập gì / record %s (#%d) is about citizen %s, not this profile's %s; nothing imported",
				r.ID, r.ID, i, cid, p.CitizenID)}
		}
		hist, ok := stored[r.ID]
		if !ok {
			h, err := s.History(e.ctx, r.ID)
			if err != nil && !errors.Is(err, wallet.ErrNotFound) {
				return nil, 0, fmt.Errorf("import: %w", err)
			}
			hist = h
			stored[r.ID] = h
		}
		if old, ok := findVersion(hist, r.Version); ok {
			if !sameContent(old, r) {
				return nil, 0, &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf(
					"hồ sơ %s phiên bản %d khác với bản đã lưu, chưa nhập gì / record %s version %d differs from the stored one; nothing imported",
					r.ID, r.Version, r.ID, r.Version)}
			}
			present++
			continue
		}
		if r.ReceivedAt.IsZero() {
			r.ReceivedAt = now
		}
		fresh = append(fresh, r)
	}
	// Versions of one id in ascending order, so a file may list them in
	// any order; ids keep the order of their first appearance.
	first := map[string]int{}
	for i, r := range fresh {
		if _, ok := first[r.ID]; !ok {
			first[r.ID] = i
		}
	}
	slices.SortStableFunc(fresh, func(a, b wallet.Record) int {
		if c := first[a.ID] - first[b.ID]; c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return fresh, present, nil
}

func findVersion(hist []wallet.Record, v int) (wallet.Record, bool) {
	for _, h := range hist {
		if h.Version == v {
			return h, true
		}
	}
	return wallet.Record{}, false
}

// sameContent compares two versions as the issuer made them: ReceivedAt,
// the time zone of the times and active versus superseded (the store marks
// a replaced version superseded) do not count.
func sameContent(a, b wallet.Record) bool {
	norm := func(r wallet.Record) []byte {
		if r.Status == wallet.StatusSuperseded {
			r.Status = wallet.StatusActive
		}
		r.ReceivedAt = time.Time{}
		r.IssuedAt = r.IssuedAt.UTC()
		r.ValidFrom = r.ValidFrom.UTC()
		r.ValidUntil = r.ValidUntil.UTC()
		b, _ := json.Marshal(r)
		return b
	}
	return bytes.Equal(norm(a), norm(b))
}

// ---- change-pin ----

func cmdChangePIN(e *env, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("change-pin: thừa đối số / unexpected argument %q", args[0])
	}
	dir, err := e.g.dir()
	if err != nil {
		return err
	}
	if has, err := hasProfile(dir); err != nil {
		return err
	} else if !has {
		return &cli.Error{Code: exitNotFound, Msg: fmt.Sprintf("chưa có hồ sơ ở %s / no profile in %s", dir, dir)}
	}
	old, err := e.pins.read("Mã PIN hiện tại / Current PIN: ")
	if err != nil {
		return err
	}
	defer wipe(old)
	s, err := badgerstore.Open(dir, old, storeOptions)
	if err != nil {
		return fmt.Errorf("open profile: %w", err)
	}
	newPIN, err := e.pins.newPIN("Mã PIN mới / New PIN: ", "Nhập lại mã PIN mới / Repeat the new PIN: ")
	if err != nil {
		s.Close()
		return err
	}
	defer wipe(newPIN)
	if err := s.ChangePIN(e.ctx, old, newPIN); err != nil {
		s.Close()
		return fmt.Errorf("change PIN: %w", err)
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("change PIN: %w", err)
	}
	fmt.Fprintln(e.stdout, "Đã đổi mã PIN / PIN changed")
	return nil
}

// ---- types ----

func cmdTypes(e *env, args []string) error {
	if len(args) > 0 {
		return cli.Usagef("types: thừa đối số / unexpected argument %q", args[0])
	}
	writeTypes(e.stdout)
	return nil
}
