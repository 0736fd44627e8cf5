package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
)

// Dates are shown as Vietnamese forms write them.
const (
	viDate     = "02/01/2006"
	viDateTime = "02/01/2006 15:04 -07:00"
)

func bilingual(l wallet.Label) string {
	if l.VI == l.EN {
		return l.VI
	}
	return l.VI + " / " + l.EN
}

func typeLabel(code string) wallet.Label {
	if t, ok := wallet.LookupType(code); ok {
		return t.Label
	}
	return wallet.Label{VI: code, EN: code}
}

// writeList prints records grouped by domain (the store returns them
// ordered by domain).
func writeList(w io.Writer, recs []wallet.Record) {
	if len(recs) == 0 {
		fmt.Fprintln(w, "Không có hồ sơ nào / No records")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var cur wallet.Domain
	for i, r := range recs {
		if i == 0 || r.Domain != cur {
			cur = r.Domain
			fmt.Fprintf(tw, "\n%s\n", bilingual(wallet.DomainLabel(cur)))
			fmt.Fprintln(tw, "  Mã hồ sơ / ID\tLoại / Type\tCơ quan cấp / Issuer\tNgày cấp / Issued\tPhiên bản / Version\tTrạng thái / Status")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\tv%d\t%s\n",
			r.ID, typeLabel(r.Type).VI, r.Issuer, r.IssuedAt.Format(viDate), r.Version, bilingual(wallet.StatusLabel(r.Status)))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nTổng cộng / Total: %d\n", len(recs))
}

// writeRecord prints one record, its claims in the order of its type's
// fields, and its version history.
func writeRecord(w io.Writer, r wallet.Record, hist []wallet.Record) {
	fmt.Fprintln(w, bilingual(typeLabel(r.Type)))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Mã hồ sơ / ID:\t%s\n", r.ID)
	fmt.Fprintf(tw, "Loại / Type:\t%s\n", r.Type)
	fmt.Fprintf(tw, "Lĩnh vực / Domain:\t%s\n", bilingual(wallet.DomainLabel(r.Domain)))
	fmt.Fprintf(tw, "Cơ quan cấp / Issuer:\t%s\n", r.Issuer)
	fmt.Fprintf(tw, "Ngày cấp / Issued:\t%s\n", r.IssuedAt.Format(viDateTime))
	if !r.ValidFrom.IsZero() || !r.ValidUntil.IsZero() {
		fmt.Fprintf(tw, "Hiệu lực / Valid:\t%s – %s\n", dayOrDash(r.ValidFrom), dayOrDash(r.ValidUntil))
	}
	fmt.Fprintf(tw, "Phiên bản / Version:\t%d (%s)\n", r.Version, bilingual(wallet.StatusLabel(r.Status)))
	if !r.ReceivedAt.IsZero() {
		fmt.Fprintf(tw, "Nhận lúc / Received:\t%s\n", r.ReceivedAt.Local().Format(viDateTime))
	}
	if r.Credential == "" {
		fmt.Fprintln(tw, "Chữ ký / Signature:\tkhông có, nhập từ tệp / none, imported from a file")
	} else {
		fmt.Fprintln(tw, "Chữ ký / Signature:\tcó, đã kiểm tra khi đồng bộ / present, checked at sync")
	}
	tw.Flush()

	fmt.Fprintln(w, "\nThông tin / Claims:")
	writeClaims(w, r)

	fmt.Fprintln(w, "\nLịch sử phiên bản / Version history:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, h := range hist {
		fmt.Fprintf(tw, "  v%d\t%s\t%s\n", h.Version, h.IssuedAt.Format(viDateTime), bilingual(wallet.StatusLabel(h.Status)))
	}
	tw.Flush()
}

func dayOrDash(t time.Time) string {
	if t.IsZero() {
		return "…"
	}
	return t.Format(viDate)
}

func writeClaims(w io.Writer, r wallet.Record) {
	if len(r.Claims) == 0 {
		fmt.Fprintln(w, "  (không có / none)")
		return
	}
	t, ok := wallet.LookupType(r.Type)
	if !ok {
		return
	}
	// Sensitive data (Law 91/2025/QH15) is marked: once for a record that
	// is sensitive throughout (health records), else per claim.
	allSensitive := true
	for _, f := range t.Fields {
		allSensitive = allSensitive && f.Sensitive
	}
	if allSensitive {
		fmt.Fprintln(w, "  [Toàn bộ là dữ liệu nhạy cảm / All of it is sensitive data]")
	}
	for _, f := range t.Fields {
		v, ok := r.Claims[f.Name]
		if !ok {
			continue
		}
		mark := ""
		if f.Sensitive && !allSensitive {
			mark = " [nhạy cảm / sensitive]"
		}
		label := bilingual(f.Label) + mark + ":"
		if items, ok := listItems(v); ok {
			fmt.Fprintf(w, "  %s\n", label)
			for _, it := range items {
				fmt.Fprintf(w, "    - %s\n", indent(it, "      "))
			}
			continue
		}
		fmt.Fprintf(w, "  %s %s\n", label, indent(formatValue(f, v), "    "))
	}
}

func listItems(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return l, true
	case []any:
		out := make([]string, len(l))
		for i, it := range l {
			out[i] = fmt.Sprint(it)
		}
		return out, true
	}
	return nil, false
}

// indent puts continuation lines of a multi-line value under the first.
func indent(s, pad string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pad)
}

func formatValue(f wallet.Field, v any) string {
	switch f.Kind {
	case wallet.KindText:
		s, _ := v.(string)
		if o, ok := f.Option(s); ok {
			return bilingual(o.Label)
		}
		return s
	case wallet.KindDate:
		s, _ := v.(string)
		if d, err := wallet.ParseDate(s); err == nil {
			return d.Format(viDate)
		}
		return s
	case wallet.KindBool:
		if b, _ := v.(bool); b {
			return "Có / Yes"
		}
		return "Không / No"
	case wallet.KindNumber:
		if n, ok := toFloat(v); ok {
			return viNumber(n)
		}
	}
	return fmt.Sprint(v)
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	return f, err == nil
}

// viNumber formats a number the Vietnamese way: "." groups thousands and
// "," marks decimals (14.500.000; 8,4).
func viNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	return b.String()
}

func writeTypes(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var cur wallet.Domain
	for i, t := range wallet.Types() {
		if i == 0 || t.Domain != cur {
			cur = t.Domain
			fmt.Fprintf(tw, "\n%s (%s)\n", bilingual(wallet.DomainLabel(cur)), cur)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", t.Code, bilingual(t.Label))
	}
	tw.Flush()
}
