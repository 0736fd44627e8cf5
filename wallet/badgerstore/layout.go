package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
)

// Key layout (see doc.go). Record ids, types, domains and meta keys never
// contain a NUL byte (wallet.Record.Validate refuses control characters),
// so NUL separates the parts unambiguously.
const (
	prefixProfile = "p"
	prefixRecord  = "r\x00" // r NUL id NUL version(4, big-endian) -> sealed record JSON
	prefixIndex   = "x\x00" // x NUL domain NUL type NUL id -> sealed indexEntry
	prefixMeta    = "m\x00" // m NUL name -> sealed opaque value
	keyFormat     = "f"     // sealed format version
	formatVersion = "badgerstore/1"
)

func recordKey(id string, version int) []byte {
	k := make([]byte, 0, len(prefixRecord)+len(id)+1+4)
	k = append(k, prefixRecord...)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint32(k, uint32(version))
}

// recordPrefix is the prefix of every version of one record; badger's
// iteration order is byte order, so versions come oldest first.
func recordPrefix(id string) []byte {
	return append(append([]byte(prefixRecord), id...), 0)
}

func indexPrefix(d wallet.Domain, typ string) []byte {
	k := []byte(prefixIndex)
	if d == "" {
		return k
	}
	k = append(append(k, d...), 0)
	if typ == "" {
		return k
	}
	return append(append(k, typ...), 0)
}

func indexKey(r wallet.Record) []byte {
	return append(indexPrefix(r.Domain, r.Type), r.ID...)
}

func metaKey(name string) []byte { return append([]byte(prefixMeta), name...) }

// indexEntry summarises a record's latest version, so queries filter by
// issuer, date and status and counts are taken without opening records.
type indexEntry struct {
	Version  int
	Status   wallet.Status
	IssuedAt time.Time
	Issuer   string
}

// Binary form: version(4) | issued-at Unix nanoseconds(8) | status length(1)
// | status | issuer.
func (e indexEntry) marshal() []byte {
	b := make([]byte, 0, 13+len(e.Status)+len(e.Issuer))
	b = binary.BigEndian.AppendUint32(b, uint32(e.Version))
	b = binary.BigEndian.AppendUint64(b, uint64(e.IssuedAt.UnixNano()))
	b = append(b, byte(len(e.Status)))
	b = append(b, e.Status...)
	return append(b, e.Issuer...)
}

var errIndexEntry = errors.New("malformed index entry")

func parseIndexEntry(b []byte) (indexEntry, error) {
	if len(b) < 13 || len(b) < 13+int(b[12]) {
		return indexEntry{}, errIndexEntry
	}
	n := int(b[12])
	return indexEntry{
		Version:  int(binary.BigEndian.Uint32(b)),
		IssuedAt: time.Unix(0, int64(binary.BigEndian.Uint64(b[4:]))).UTC(),
		Status:   wallet.Status(b[13 : 13+n]),
		Issuer:   string(b[13+n:]),
	}, nil
}

func checkMetaName(name string) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("%w: meta key must be 1 to 200 bytes", wallet.ErrInvalid)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return fmt.Errorf("%w: meta key %q contains a control character", wallet.ErrInvalid, name)
		}
	}
	return nil
}
