package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// Files of the admin API's tokens, in the data directory.
const (
	// TokensFile lists who may use the admin API (AdminToken: name, role,
	// SHA-256 of the token), mode 0600. Every serve process of a warehouse
	// reads the same one (-admin-tokens), again when it changes.
	TokensFile = "admin-tokens.json"
	// OperatorTokenFile holds the operator token serve makes on its first
	// start, for the admin commands on this machine.
	OperatorTokenFile = "admin-token"
	// AgencyTokensDir holds the demo agencies' staff tokens, one file per
	// agency id, for `warehouse issue` and `withdraw`.
	AgencyTokensDir = "agency-tokens"
)

// tokenSource gives the tokens of a file, re-read when it changes (looked
// at at most once a second).
type tokenSource struct {
	path string

	mu      sync.Mutex
	checked time.Time
	modTime time.Time
	tokens  []warehouse.AdminToken
}

func (t *tokenSource) Tokens() []warehouse.AdminToken {
	t.mu.Lock()
	defer t.mu.Unlock()
	if time.Since(t.checked) < time.Second {
		return t.tokens
	}
	t.checked = time.Now()
	info, err := os.Stat(t.path)
	if err != nil || info.ModTime().Equal(t.modTime) {
		return t.tokens
	}
	if ts, err := warehouse.ReadAdminTokens(t.path); err == nil {
		t.tokens, t.modTime = ts, info.ModTime()
	}
	return t.tokens
}

// ensureTokens makes, on a first start, the operator's token (and, with
// the demo, a staff token per demo agency), each kept in its own 0600
// file for the commands on this machine; the tokens file keeps only their
// hashes.
func ensureTokens(path, data string, agencies []string) error {
	ts, err := warehouse.ReadAdminTokens(path)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, t := range ts {
		have[t.Role+"/"+t.Agency+"/"+t.Name] = true
	}
	add := func(file, name, role, agency string) error {
		if have[role+"/"+agency+"/"+name] {
			if _, err := os.Stat(file); err == nil {
				return nil
			}
		}
		token, entry, err := warehouse.NewAdminToken(name, role, agency, "")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
			return err
		}
		ts = append(ts, entry)
		return nil
	}
	n := len(ts)
	if err := add(filepath.Join(data, OperatorTokenFile), "operator", warehouse.RoleOperator, ""); err != nil {
		return err
	}
	for _, a := range agencies {
		if err := add(filepath.Join(data, AgencyTokensDir, a), "staff of "+a, warehouse.RoleAgency, a); err != nil {
			return err
		}
	}
	if len(ts) == n {
		return nil
	}
	return warehouse.WriteAdminTokens(path, ts)
}

// adminHosts are the Host values the admin API answers on ln: its
// address under the loopback names, and extra.
func adminHosts(ln net.Listener, extra []string) []string {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	hosts := []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port}
	for _, h := range extra {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// cmdAdminToken adds a holder to the tokens file and prints its token
// (once: only its hash is kept).
//
//	warehouse admin-token [-data DIR] [-admin-tokens FILE] -name NAME -role operator|agency|commune [-agency ID] [-commune NAME]
func cmdAdminToken(e *env, args []string) error {
	fs := flag.NewFlagSet("admin-token", flag.ContinueOnError)
	data := fs.String("data", "", "the warehouse's data directory (default: the user cache directory's citizenwallet/warehouse)")
	file := fs.String("admin-tokens", "", "the tokens file (default DATA/"+TokensFile+")")
	name := fs.String("name", "", "who holds it (for the audit), e.g. \"UBND phường Tân Phong\"")
	role := fs.String("role", "", "operator, agency or commune")
	agency := fs.String("agency", "", "agency: the issuer id it acts for")
	commune := fs.String("commune", "", "commune: the commune (ward) name as residence records write it")
	if _, err := parse(e, fs, args); err != nil {
		return err
	}
	dir, err := dataDir(*data)
	if err != nil {
		return err
	}
	if *file == "" {
		*file = filepath.Join(dir, TokensFile)
	}
	token, entry, err := warehouse.NewAdminToken(*name, *role, *agency, *commune)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	ts, err := warehouse.ReadAdminTokens(*file)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*file), 0o700); err != nil {
		return err
	}
	if err := warehouse.WriteAdminTokens(*file, append(ts, entry)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\n(%s, %s; give it to its holder: only its hash is kept, in %s)\n", token, entry.Name, entry.Role, *file)
	return nil
}

// dataDir is the data directory: given, or the default serve uses.
func dataDir(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", cli.Usagef("no cache directory, give -data: %v", err)
	}
	return filepath.Join(base, "citizenwallet", "warehouse"), nil
}

// readToken reads a token file; a missing one is "".
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}
