package citizenwallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/vnwallet/citizenwallet"

// listedPackage is the part of `go list -json` output the rules need.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
	DepOnly    bool
	Error      *struct{ Err string }
}

// A depRule bans some dependencies for some of the module's packages.
type depRule struct {
	name string
	// applies reports whether the rule governs the module package at rel,
	// its path relative to the module root ("" for the root package).
	applies func(rel string) bool
	// banned reports whether depending on the package at path is forbidden.
	banned func(path string) bool
	// direct restricts the rule to the package's own imports; otherwise
	// every package in its dependency closure counts.
	direct bool
}

// under reports whether the slash-separated path p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// ours returns the module-relative path of an import path of this module.
func ours(path string) (rel string, ok bool) {
	if path == module {
		return "", true
	}
	rel, ok = strings.CutPrefix(path, module+"/")
	return rel, ok
}

// oursOutside returns a banned-predicate for the module's packages that
// are in none of the allowed folders.
func oursOutside(allowed ...string) func(string) bool {
	return func(path string) bool {
		rel, ok := ours(path)
		if !ok {
			return false
		}
		for _, dir := range allowed {
			if under(rel, dir) {
				return false
			}
		}
		return true
	}
}

func prefixed(prefix string) func(string) bool {
	return func(path string) bool { return under(path, prefix) }
}

func except(dirs ...string) func(string) bool {
	return func(rel string) bool {
		for _, dir := range dirs {
			if under(rel, dir) {
				return false
			}
		}
		return true
	}
}

func in(dir string) func(string) bool {
	return func(rel string) bool { return under(rel, dir) }
}

// depRules is the dependency direction of DESIGN.md and CONVENTIONS.md:
// app → sync → wallet → crypto, UI libraries only in the UI, and each
// heavy library behind the one package that owns it.
var depRules = []depRule{
	{name: "crypto imports nothing of ours outside crypto",
		applies: in("crypto"), banned: oursOutside("crypto")},
	// Inside crypto, each package depends on the few siblings its doc
	// names (the layering of the package docs).
	{name: "crypto/keys imports nothing of ours",
		applies: in("crypto/keys"), banned: oursOutside("crypto/keys")},
	{name: "crypto/kdf imports nothing of ours",
		applies: in("crypto/kdf"), banned: oursOutside("crypto/kdf")},
	{name: "crypto/vault imports only crypto/kdf of ours",
		applies: in("crypto/vault"), banned: oursOutside("crypto/vault", "crypto/kdf")},
	{name: "crypto/sdjwt imports only crypto/keys of ours",
		applies: in("crypto/sdjwt"), banned: oursOutside("crypto/sdjwt", "crypto/keys")},
	{name: "crypto/statuslist imports only crypto/keys of ours",
		applies: in("crypto/statuslist"), banned: oursOutside("crypto/statuslist", "crypto/keys")},
	{name: "crypto/trust imports only crypto/keys of ours",
		applies: in("crypto/trust"), banned: oursOutside("crypto/trust", "crypto/keys")},
	{name: "the PIN's key derivation and the vault need no network",
		applies: func(rel string) bool { return under(rel, "crypto/kdf") || under(rel, "crypto/vault") },
		banned:  prefixed("net/http")},
	{name: "wallet imports only wallet and crypto of ours",
		applies: in("wallet"), banned: oursOutside("wallet", "crypto")},
	{name: "sync imports only sync, wallet and crypto of ours",
		applies: in("sync"), banned: oursOutside("sync", "wallet", "crypto")},
	{name: "only app and cmd import app",
		applies: except("app", "cmd"), banned: func(p string) bool {
			rel, ok := ours(p)
			return ok && under(rel, "app")
		}},
	{name: "only app, assets and cmd depend on fyne.io",
		applies: except("app", "assets", "cmd"), banned: prefixed("fyne.io")},
	{name: "only wallet/badgerstore and sync/warehouse/embedded import badger",
		applies: except("wallet/badgerstore", "sync/warehouse/embedded"),
		banned:  prefixed("github.com/dgraph-io/badger"), direct: true},
	{name: "only sync/warehouse/postgres imports pgx",
		applies: except("sync/warehouse/postgres"),
		banned:  prefixed("github.com/jackc/"), direct: true},
	{name: "only sync/warehouse/pkcs11keys imports a PKCS#11 client",
		applies: except("sync/warehouse/pkcs11keys"),
		banned: func(p string) bool {
			return under(p, "github.com/ThalesGroup/crypto11") || under(p, "github.com/miekg/pkcs11")
		}, direct: true},
	{name: "only sync/client imports resty",
		applies: except("sync/client"),
		banned:  prefixed("github.com/go-resty/resty"), direct: true},
	{name: "only app/camera imports a camera driver",
		applies: except("app/camera"),
		banned: func(p string) bool {
			return under(p, "github.com/pion/mediadevices") || under(p, "github.com/blackjack/webcam")
		}, direct: true},
}

// A depViolation is one broken rule: pkg reaches a banned package through
// chain (pkg first, the banned package last).
type depViolation struct {
	rule  string
	pkg   string
	chain []string
}

func (v depViolation) String() string {
	return fmt.Sprintf("%s: %s (%s)", v.pkg, strings.Join(v.chain, " → "), v.rule)
}

// checkDeps applies rules to every package of the module in pkgs, a
// `go list -deps` listing that holds each package's dependencies too. For
// each package and rule it reports the shortest chain to a banned package.
func checkDeps(pkgs []listedPackage, rules []depRule) []depViolation {
	imports := make(map[string][]string, len(pkgs))
	for _, p := range pkgs {
		imports[p.ImportPath] = p.Imports
	}
	var found []depViolation
	for _, p := range pkgs {
		rel, ok := ours(p.ImportPath)
		if !ok {
			continue
		}
		for _, r := range rules {
			if !r.applies(rel) {
				continue
			}
			if chain := bannedChain(p.ImportPath, imports, r); chain != nil {
				found = append(found, depViolation{rule: r.name, pkg: p.ImportPath, chain: chain})
			}
		}
	}
	return found
}

// bannedChain returns the shortest import chain from start to a package
// that r bans, or nil. Imports are searched breadth first.
func bannedChain(start string, imports map[string][]string, r depRule) []string {
	parent := map[string]string{start: ""}
	queue := []string{start}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, imp := range imports[cur] {
			if _, seen := parent[imp]; seen {
				continue
			}
			parent[imp] = cur
			if r.banned(imp) {
				chain := []string{imp}
				for p := cur; p != ""; p = parent[p] {
					chain = append(chain, p)
				}
				slices.Reverse(chain)
				return chain
			}
			if !r.direct {
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

// goList lists every package of the module with its whole dependency
// closure, as built with the given environment and build tags.
func goList(t *testing.T, env []string, tags string) []listedPackage {
	t.Helper()
	args := []string{"list", "-e", "-deps", "-json=ImportPath,Imports,Standard,DepOnly,Error"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	args = append(args, "./...")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestDependencyDirection enforces depRules on every package of the module
// (found anew on each run, so new packages are covered) as it builds on the
// platforms we ship to, with and without the ci tag. Only what ships
// counts: test files may import more.
func TestDependencyDirection(t *testing.T) {
	configs := []struct {
		name string
		env  []string
		tags string
	}{
		// CGO_ENABLED=1 keeps cgo-only files (Fyne's drivers) in the
		// listing on every platform; go list compiles nothing.
		{"host", []string{"CGO_ENABLED=1"}, ""},
		{"host-ci", []string{"CGO_ENABLED=1"}, "ci"},
		{"windows", []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1"}, ""},
		{"darwin", []string{"GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=1"}, ""},
		{"android", []string{"GOOS=android", "GOARCH=arm64", "CGO_ENABLED=1"}, ""},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			t.Parallel()
			pkgs := goList(t, cfg.env, cfg.tags)
			var mine []string
			for _, p := range pkgs {
				if p.Error != nil {
					t.Errorf("go list: %s: %s", p.ImportPath, p.Error.Err)
				}
				if _, ok := ours(p.ImportPath); ok {
					mine = append(mine, p.ImportPath)
				}
			}
			// Guard against a listing that silently found nothing.
			if !slices.Contains(mine, module) || len(mine) < 2 {
				t.Fatalf("go list found only %v of this module", mine)
			}
			for _, v := range checkDeps(pkgs, depRules) {
				t.Errorf("forbidden dependency: %s", v)
			}
			t.Logf("checked %d packages of the module (%d in all)", len(mine), len(pkgs))
		})
	}
}

// TestCheckDepsCatchesViolations proves the checker fails when it should,
// on a made-up listing that breaks each rule once and keeps to it elsewhere.
func TestCheckDepsCatchesViolations(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	const (
		fyne   = "fyne.io/fyne/v2"
		badger = "github.com/dgraph-io/badger/v4"
		resty  = "github.com/go-resty/resty/v2"
		widget = "example.com/widgets" // a third-party package that uses Fyne
	)
	pkgs := []listedPackage{
		{ImportPath: module},
		{ImportPath: m("crypto/kdf"), Imports: []string{"crypto/sha256", m("crypto/vault")}},
		{ImportPath: m("crypto/vault"), Imports: []string{"net/http", m("wallet")}},             // bad: crypto → wallet, and a network
		{ImportPath: m("crypto/sdjwt"), Imports: []string{m("crypto/keys"), m("crypto/trust")}}, // bad: sdjwt → trust
		{ImportPath: m("crypto/keys")}, {ImportPath: m("crypto/trust"), Imports: []string{m("crypto/keys")}},
		{ImportPath: m("wallet"), Imports: []string{m("crypto/kdf"), widget}},
		{ImportPath: widget, Imports: []string{fyne}}, // so wallet reaches Fyne: bad
		{ImportPath: m("wallet/badgerstore"), Imports: []string{m("wallet"), badger}},
		{ImportPath: m("sync/protocol"), Imports: []string{resty}}, // bad: resty outside sync/client
		{ImportPath: m("sync/client"), Imports: []string{m("sync/protocol"), m("wallet"), resty}},
		{ImportPath: m("sync/warehouse/embedded"), Imports: []string{badger}},
		{ImportPath: m("sync/warehouse"), Imports: []string{m("sync/warehouse/embedded"), m("app/viewmodel")}}, // bad: sync → app
		{ImportPath: m("app/viewmodel"), Imports: []string{m("wallet"), fyne}},
		{ImportPath: m("apps/x"), Imports: []string{fyne}}, // bad: "apps" is not "app"
		{ImportPath: m("assets"), Imports: []string{fyne}},
		{ImportPath: m("cmd/walletctl"), Imports: []string{m("wallet/badgerstore"), m("sync/client")}},
		{ImportPath: m("cmd/citizenwallet"), Imports: []string{m("app/viewmodel"), fyne, badger}}, // bad: badger in cmd
		{ImportPath: fyne}, {ImportPath: badger}, {ImportPath: resty}, {ImportPath: "crypto/sha256", Standard: true}, {ImportPath: "net/http", Standard: true},
	}
	var got []string
	for _, v := range checkDeps(pkgs, depRules) {
		got = append(got, v.String())
	}
	want := []string{
		// crypto/kdf is clean itself but reaches wallet through crypto/vault.
		m("crypto/kdf") + ": " + strings.Join([]string{m("crypto/kdf"), m("crypto/vault"), m("wallet")}, " → ") + " (crypto imports nothing of ours outside crypto)",
		m("crypto/kdf") + ": " + strings.Join([]string{m("crypto/kdf"), m("crypto/vault"), m("wallet"), widget, fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("crypto/vault") + ": " + strings.Join([]string{m("crypto/vault"), m("wallet")}, " → ") + " (crypto imports nothing of ours outside crypto)",
		// The rules inside crypto.
		m("crypto/kdf") + ": " + strings.Join([]string{m("crypto/kdf"), m("crypto/vault")}, " → ") + " (crypto/kdf imports nothing of ours)",
		m("crypto/kdf") + ": " + strings.Join([]string{m("crypto/kdf"), m("crypto/vault"), "net/http"}, " → ") + " (the PIN's key derivation and the vault need no network)",
		m("crypto/vault") + ": " + strings.Join([]string{m("crypto/vault"), m("wallet")}, " → ") + " (crypto/vault imports only crypto/kdf of ours)",
		m("crypto/vault") + ": " + strings.Join([]string{m("crypto/vault"), "net/http"}, " → ") + " (the PIN's key derivation and the vault need no network)",
		m("crypto/sdjwt") + ": " + strings.Join([]string{m("crypto/sdjwt"), m("crypto/trust")}, " → ") + " (crypto/sdjwt imports only crypto/keys of ours)",
		m("crypto/vault") + ": " + strings.Join([]string{m("crypto/vault"), m("wallet"), widget, fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("wallet") + ": " + strings.Join([]string{m("wallet"), widget, fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("wallet/badgerstore") + ": " + strings.Join([]string{m("wallet/badgerstore"), m("wallet"), widget, fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("sync/protocol") + ": " + strings.Join([]string{m("sync/protocol"), resty}, " → ") + " (only sync/client imports resty)",
		m("sync/client") + ": " + strings.Join([]string{m("sync/client"), m("wallet"), widget, fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("sync/warehouse") + ": " + strings.Join([]string{m("sync/warehouse"), m("app/viewmodel")}, " → ") + " (sync imports only sync, wallet and crypto of ours)",
		m("sync/warehouse") + ": " + strings.Join([]string{m("sync/warehouse"), m("app/viewmodel")}, " → ") + " (only app and cmd import app)",
		m("sync/warehouse") + ": " + strings.Join([]string{m("sync/warehouse"), m("app/viewmodel"), fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("apps/x") + ": " + strings.Join([]string{m("apps/x"), fyne}, " → ") + " (only app, assets and cmd depend on fyne.io)",
		m("cmd/citizenwallet") + ": " + strings.Join([]string{m("cmd/citizenwallet"), badger}, " → ") + " (only wallet/badgerstore and sync/warehouse/embedded import badger)",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func TestUnder(t *testing.T) {
	for _, tt := range []struct {
		p, dir string
		want   bool
	}{
		{"app", "app", true},
		{"app/views", "app", true},
		{"apps", "app", false},
		{"fyne.io/fyne/v2/widget", "fyne.io", true},
		{"fyne.iox/a", "fyne.io", false},
		{"github.com/dgraph-io/badger/v4", "github.com/dgraph-io/badger", true},
		{"github.com/dgraph-io/badgerx", "github.com/dgraph-io/badger", false},
	} {
		if got := under(tt.p, tt.dir); got != tt.want {
			t.Errorf("under(%q, %q) = %v, want %v", tt.p, tt.dir, got, tt.want)
		}
	}
}
