package viewmodel

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
)

// dateForms are the ways people write a date of birth: 6/3/1973,
// 26/12/1973, 26-12-1973, 26.12.1973, 26121973 and 1973-12-26.
var (
	dayFirst = regexp.MustCompile(`^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})$`)
	compact  = regexp.MustCompile(`^(\d{2})(\d{2})(\d{4})$`)
	isoDate  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// ParseDate reads a date as people write it in Vietnam (day first: d/m/yyyy,
// dd-mm-yyyy, dd.mm.yyyy, ddmmyyyy) or as yyyy-mm-dd. A date that does not
// exist (31/02) or is not between 1900 and today is refused with a
// sentence that says the forms accepted.
func ParseDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var d, m, y string
	if g := dayFirst.FindStringSubmatch(s); g != nil {
		d, m, y = g[1], g[2], g[3]
	} else if g := compact.FindStringSubmatch(s); g != nil {
		d, m, y = g[1], g[2], g[3]
	} else if g := isoDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[1], g[2], g[3]
	} else {
		return time.Time{}, errors.New(lang.L("Write the date as day/month/year, for example 26/12/1973."))
	}
	day, _ := strconv.Atoi(d)
	month, _ := strconv.Atoi(m)
	year, _ := strconv.Atoi(y)
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day || int(t.Month()) != month || month < 1 || month > 12 {
		return time.Time{}, errors.New(lang.L("There is no such day: check the day and the month."))
	}
	if year < 1900 || t.After(now) {
		return time.Time{}, errors.New(lang.L("The year must be between 1900 and this year."))
	}
	return t, nil
}

// LongDate writes a date as a Vietnamese reads it back: "26 tháng 12 năm
// 1973" (English: "26 December 1973").
func LongDate(t time.Time) string {
	if lang.L("lang.code") == "en" {
		return t.Format("2 January 2006")
	}
	return lang.L("{{.D}} of month {{.M}}, {{.Y}}", map[string]any{"D": t.Day(), "M": int(t.Month()), "Y": t.Year()})
}

// DateUnderstood says what a typed date was read as, or why not ("" for
// nothing typed yet), for the line under a date field.
func DateUnderstood(s string, now time.Time) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	t, err := ParseDate(s, now)
	if err != nil {
		return err.Error()
	}
	return lang.L("Understood as {{.Date}}.", map[string]any{"Date": LongDate(t)})
}

// PlainWait writes a wait the way people say it: "28 giây", "2 phút 10
// giây", "1 giờ".
func PlainWait(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Second {
		d = time.Second
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var parts []string
	if h > 0 {
		parts = append(parts, lang.L("{{.N}} hours", map[string]any{"N": h}))
	}
	if m > 0 {
		parts = append(parts, lang.L("{{.N}} minutes", map[string]any{"N": m}))
	}
	if s > 0 {
		parts = append(parts, lang.L("{{.N}} seconds", map[string]any{"N": s}))
	}
	return strings.Join(parts, " ")
}

// ValidPIN reports whether a new PIN is acceptable: at least MinPINLength
// digits and digits only (the number pad of a phone), not one digit
// repeated nor a run like 123456.
func ValidPIN(pin string) error {
	if len(pin) < MinPINLength || strings.Trim(pin, "0123456789") != "" {
		return errors.New(lang.L("The PIN must be at least 6 digits."))
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		same = same && pin[i] == pin[0]
		up = up && pin[i] == pin[i-1]+1
		down = down && pin[i] == pin[i-1]-1
	}
	if same || up || down {
		return errors.New(lang.L("That PIN is too easy to guess (one digit repeated, or in a row). Choose another."))
	}
	return nil
}
