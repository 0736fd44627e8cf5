package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ScanField takes what a keyboard-wedge QR scanner types into the
// counter: the text of one QR code, then Enter, which hands the text to
// OnSubmitted and empties the field. It shows how many characters have
// arrived, not the characters: a part is up to 2 395 digits, which the
// official has no use for reading, and an entry lays its whole text out
// again at every keystroke (on a slow counter PC, the scanner outruns
// it). Backspace takes back a character, Escape empties the field, and a
// paste (Ctrl+V) adds the clipboard's text, as an entry's would.
type ScanField struct {
	widget.BaseWidget
	// OnSubmitted receives the text when Enter is pressed.
	OnSubmitted func(text string)
	// Placeholder is shown while the field is empty.
	Placeholder string

	text    strings.Builder
	n       int // runes in text
	focused bool
}

var (
	_ fyne.Focusable    = (*ScanField)(nil)
	_ fyne.Tappable     = (*ScanField)(nil)
	_ fyne.Shortcutable = (*ScanField)(nil)
	_ fyne.Accessible   = (*ScanField)(nil)
)

// NewScanField returns an empty scan field showing placeholder.
func NewScanField(placeholder string) *ScanField {
	s := &ScanField{Placeholder: placeholder}
	s.ExtendBaseWidget(s)
	return s
}

// Text is what has arrived since the last Enter.
func (s *ScanField) Text() string { return s.text.String() }

// SetText replaces what has arrived (a camera or file reading shows its
// text here; "" empties the field).
func (s *ScanField) SetText(text string) {
	s.text.Reset()
	s.text.WriteString(text)
	s.n = len([]rune(text))
	s.Refresh()
}

// TypedRune adds one character.
func (s *ScanField) TypedRune(r rune) {
	s.text.WriteRune(r)
	s.n++
	s.Refresh()
}

// TypedKey submits on Enter, takes back a character on Backspace and
// empties the field on Escape.
func (s *ScanField) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		text := s.Text()
		s.SetText("")
		if s.OnSubmitted != nil {
			s.OnSubmitted(text)
		}
	case fyne.KeyBackspace:
		if rs := []rune(s.Text()); len(rs) > 0 {
			s.SetText(string(rs[:len(rs)-1]))
		}
	case fyne.KeyEscape:
		s.SetText("")
	}
}

// TypedShortcut adds the clipboard's text on a paste.
func (s *ScanField) TypedShortcut(sc fyne.Shortcut) {
	if p, ok := sc.(*fyne.ShortcutPaste); ok && p.Clipboard != nil {
		text := p.Clipboard.Content()
		s.text.WriteString(text)
		s.n += len([]rune(text))
		s.Refresh()
	}
}

// Tapped gives the field the keyboard.
func (s *ScanField) Tapped(*fyne.PointEvent) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil {
		c.Focus(s)
	}
}

// FocusGained and FocusLost show the focus as an entry does.
func (s *ScanField) FocusGained() { s.focused = true; s.Refresh() }

// FocusLost: see FocusGained.
func (s *ScanField) FocusLost() { s.focused = false; s.Refresh() }

// AccessibilityLabel says what the field is for.
func (s *ScanField) AccessibilityLabel() string { return s.Placeholder }

// AccessibilityRole: text.
func (s *ScanField) AccessibilityRole() fyne.AccessibleRole { return fyne.AccessibleRoleText }

// Status is the line the field shows: its placeholder, or how much has
// arrived.
func (s *ScanField) Status() string {
	if s.n == 0 {
		return s.Placeholder
	}
	return lang.L("Receiving a code: {{.N}} characters…", map[string]any{"N": s.n})
}

// CreateRenderer draws a bordered box, as an entry's, around the status.
func (s *ScanField) CreateRenderer() fyne.WidgetRenderer {
	box := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	line := widget.NewLabel("")
	line.Wrapping = fyne.TextWrapWord
	r := &scanRenderer{s: s, box: box, line: line}
	r.Refresh()
	return r
}

type scanRenderer struct {
	s    *ScanField
	box  *canvas.Rectangle
	line *widget.Label
}

func (r *scanRenderer) Layout(size fyne.Size) {
	r.box.Resize(size)
	r.line.Move(fyne.NewPos(0, 0))
	r.line.Resize(size)
}

func (r *scanRenderer) MinSize() fyne.Size {
	return r.line.MinSize()
}

func (r *scanRenderer) Refresh() {
	th := r.s.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.box.FillColor = th.Color(theme.ColorNameInputBackground, v)
	r.box.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	r.box.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.box.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	if r.s.focused {
		r.box.StrokeColor = th.Color(theme.ColorNamePrimary, v)
	}
	r.line.Importance = widget.MediumImportance
	if r.s.n == 0 {
		r.line.Importance = widget.LowImportance // a placeholder
	}
	r.line.SetText(r.s.Status())
	r.box.Refresh()
}

func (r *scanRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.box, r.line} }

func (r *scanRenderer) Destroy() {}
