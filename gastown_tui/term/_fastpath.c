/* The terminal engine's hot path in C: the tokens agents' output is made of, applied to a
 * Screen's own Python objects exactly as gastown_tui/term/stream.py's fast path applies them.
 *
 * parse(screen, text, pos) runs over `text` from `pos` while the tokens are ones it handles:
 * runs of one-cell text, SGR, CR LF and LF (with the hot scroll and its scrollback push), CR,
 * CUP, EL, Ink's EL 2 + CUU 1 erase-up, cursor moves by one number (CUU, CUD, CUF, CUB,
 * CHA, HPA), and DEC private modes that are one flag (2026 synchronized output, 25 cursor). It returns the position of the first token it does not handle; the Python loop
 * handles that one and calls back in. Everything before the returned position is fully
 * applied (cursor, pen, rows, dirty rows, wrap flags, `_last`, scrollback), so the two loops
 * can hand over at any token. Rare cases inside a handled token (an SGR cache miss, a row
 * already split into cells, a scroll region) call the Python methods that the pure-Python
 * path calls. On an unexpected type it returns without doing anything, and the Python loop
 * goes on alone; an exception raised by a Python method it called sets `_resume` past the
 * token, as the Python loop does, and propagates to `feed`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

static PyTypeObject *RowType;   /* rows.Row */
static PyObject *Default;       /* style.DEFAULT */
static PyObject *BlankOf;       /* style.blank_of */
static PyObject *CharWidth;     /* width.char_width */
static PyObject *Empty;         /* "" */
static Py_ssize_t off_text, off_runs, off_fill, off_chars, off_attrs, off_wrapped;
/* Per BMP code point: 0 not asked yet, 1 one cell wide (width.is_narrow), 2 anything else. */
static unsigned char narrow_tab[0x10000];

static PyObject *s_x, *s_y, *s_columns, *s_lines, *s_top, *s_bot, *s_pen, *s_rows, *s_dirty,
    *s_modes, *s_autowrap, *s_insert, *s_origin, *s_table, *s_main_rows, *s_history, *s_limit,
    *s_sgr_cache, *s_from_default, *s_last, *s_all_dirty, *s_resume, *s_sgr, *s_draw_narrow,
    *s_scroll_up, *s_erase_cells, *s_overwrite, *s_cells, *s_bg, *s_push_row, *s_index, *s_add,
    *s_wraps, *s_append, *s_store, *s_fast_path, *s_shows_blank, *s_push, *s_scroll_lines,
    *s_synchronized, *s_cursor_visible, *s_bracketed_paste, *s_focus_events, *s_mouse_sgr,
    *s_application_cursor;

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

static void slot_set(PyObject *o, Py_ssize_t off, PyObject *v)
{
    PyObject *old = SLOT(o, off);
    Py_INCREF(v);
    SLOT(o, off) = v;
    Py_XDECREF(old);
}

typedef struct {
    PyObject *scr;
    PyObject *text;
    int kind;
    const void *data;
    Py_ssize_t n;
    Py_ssize_t x, y, cols, lines, top, bot;
    int autowrap, origin, hist_ok, all_dirty;
    int last; /* -2 untouched, -1 "", else an ASCII character */
    PyObject *pen, *rows, *dirty, *history, *cache, *from_default; /* owned */
} St;

#define CH(st, i) PyUnicode_READ((st)->kind, (st)->data, (i))

static void release(St *st)
{
    Py_CLEAR(st->pen);
    Py_CLEAR(st->rows);
    Py_CLEAR(st->dirty);
    Py_CLEAR(st->history);
    Py_CLEAR(st->cache);
    Py_CLEAR(st->from_default);
}

static int get_ssize(PyObject *o, PyObject *name, Py_ssize_t *out)
{
    PyObject *v = PyObject_GetAttr(o, name);
    if (v == NULL)
        return -1;
    if (!PyLong_CheckExact(v)) {
        Py_DECREF(v);
        return 1;
    }
    *out = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (*out == -1 && PyErr_Occurred())
        return -1;
    return 0;
}

static int get_truth(PyObject *o, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(o, name);
    if (v == NULL)
        return -1;
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

/* Read the screen's state. 0: ready; 1: a state this code does not handle (insert mode, a
 * charset, fast_path off, an unexpected type); -1: an exception is set. */
static int sync_in(St *st)
{
    int r;
    release(st);
    if ((r = get_ssize(st->scr, s_x, &st->x)) || (r = get_ssize(st->scr, s_y, &st->y))
        || (r = get_ssize(st->scr, s_columns, &st->cols))
        || (r = get_ssize(st->scr, s_lines, &st->lines))
        || (r = get_ssize(st->scr, s_top, &st->top)) || (r = get_ssize(st->scr, s_bot, &st->bot)))
        return r;
    if (st->cols < 1 || st->lines < 1 || st->x < 0 || st->x > st->cols || st->y < 0
        || st->y >= st->lines || st->top < 0 || st->top > st->bot || st->bot >= st->lines)
        return 1;
    if ((r = get_truth(st->scr, s_fast_path)) != 1)
        return r < 0 ? -1 : 1;
    PyObject *modes = PyObject_GetAttr(st->scr, s_modes);
    if (modes == NULL)
        return -1;
    st->autowrap = get_truth(modes, s_autowrap);
    st->origin = get_truth(modes, s_origin);
    r = get_truth(modes, s_insert);
    Py_DECREF(modes);
    if (st->autowrap < 0 || st->origin < 0 || r < 0)
        return -1;
    if (r)
        return 1;
    PyObject *v = PyObject_GetAttr(st->scr, s_table);
    if (v == NULL)
        return -1;
    r = v != Py_None;
    Py_DECREF(v);
    if (r)
        return 1;
    if ((st->pen = PyObject_GetAttr(st->scr, s_pen)) == NULL
        || (st->rows = PyObject_GetAttr(st->scr, s_rows)) == NULL
        || (st->dirty = PyObject_GetAttr(st->scr, s_dirty)) == NULL
        || (st->history = PyObject_GetAttr(st->scr, s_history)) == NULL
        || (st->cache = PyObject_GetAttr(st->scr, s_sgr_cache)) == NULL
        || (st->from_default = PyObject_GetAttr(st->scr, s_from_default)) == NULL)
        return -1;
    if (!PyList_CheckExact(st->rows) || PyList_GET_SIZE(st->rows) != st->lines
        || !PySet_CheckExact(st->dirty) || !PyDict_CheckExact(st->cache)
        || !PyDict_CheckExact(st->from_default))
        return 1;
    for (Py_ssize_t i = 0; i < st->lines; i++)
        if (Py_TYPE(PyList_GET_ITEM(st->rows, i)) != RowType)
            return 1;
    v = PyObject_GetAttr(st->scr, s_main_rows);
    if (v == NULL)
        return -1;
    st->hist_ok = v == Py_None;
    Py_DECREF(v);
    if (st->hist_ok) {
        r = get_truth(st->history, s_limit);
        if (r < 0)
            return -1;
        st->hist_ok = r;
    }
    return 0;
}

static int set_ssize(PyObject *o, PyObject *name, Py_ssize_t v)
{
    PyObject *n = PyLong_FromSsize_t(v);
    if (n == NULL)
        return -1;
    int r = PyObject_SetAttr(o, name, n);
    Py_DECREF(n);
    return r;
}

/* Write the state back; the screen's attributes are what Python code reads next. */
static int sync_out(St *st)
{
    if (set_ssize(st->scr, s_x, st->x) || set_ssize(st->scr, s_y, st->y)
        || PyObject_SetAttr(st->scr, s_pen, st->pen))
        return -1;
    if (st->last != -2) {
        PyObject *v = st->last == -1 ? Py_NewRef(Empty) : PyUnicode_FromOrdinal(st->last);
        if (v == NULL)
            return -1;
        int r = PyObject_SetAttr(st->scr, s_last, v);
        Py_DECREF(v);
        if (r)
            return -1;
        st->last = -2;
    }
    if (st->all_dirty) {
        if (PyObject_SetAttr(st->scr, s_all_dirty, Py_True))
            return -1;
        st->all_dirty = 0;
    }
    return 0;
}

/* Call a Python method of the screen with the state written out, and read it back after. */
static int call_screen(St *st, PyObject *name, PyObject *arg1, PyObject *arg2)
{
    if (sync_out(st))
        return -1;
    PyObject *res = arg2 ? PyObject_CallMethodObjArgs(st->scr, name, arg1, arg2, NULL)
                         : PyObject_CallMethodObjArgs(st->scr, name, arg1, NULL);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    int r = sync_in(st);
    if (r == 1) {
        PyErr_SetString(PyExc_RuntimeError, "the screen changed mode inside one token");
        return -1;
    }
    return r;
}

static int mark_dirty(St *st, Py_ssize_t y)
{
    PyObject *v = PyLong_FromSsize_t(y);
    if (v == NULL)
        return -1;
    int r = PySet_Add(st->dirty, v);
    Py_DECREF(v);
    return r;
}

/* width.is_narrow for one character: one cell, not a regional indicator. */
static int is_narrow_ch(Py_UCS4 c)
{
    if (c >= 0x20 && c < 0x7f)
        return 1;
    if (c >= 0x10000)
        return 0; /* the Python path decides (regional indicators are up there too) */
    unsigned char t = narrow_tab[c];
    if (t)
        return t == 1;
    PyObject *s = PyUnicode_FromOrdinal(c);
    if (s == NULL)
        return -1;
    PyObject *w = PyObject_CallOneArg(CharWidth, s);
    Py_DECREF(s);
    if (w == NULL)
        return -1;
    long v = PyLong_AsLong(w);
    Py_DECREF(w);
    if (v == -1 && PyErr_Occurred())
        return -1;
    narrow_tab[c] = v == 1 ? 1 : 2;
    return v == 1;
}

static PyObject *new_row(PyObject *fill)
{
    PyObject *row = RowType->tp_alloc(RowType, 0);
    if (row == NULL)
        return NULL;
    PyObject *runs = PyList_New(0);
    if (runs == NULL) {
        Py_DECREF(row);
        return NULL;
    }
    slot_set(row, off_text, Empty);
    SLOT(row, off_runs) = runs;
    slot_set(row, off_fill, fill);
    slot_set(row, off_chars, Py_None);
    slot_set(row, off_attrs, Py_None);
    slot_set(row, off_wrapped, Py_False);
    return row;
}

/* style.blank_of(pen), new reference. */
static PyObject *blank_of(PyObject *pen)
{
    PyObject *bg = PyObject_GetAttr(pen, s_bg);
    if (bg == NULL)
        return NULL;
    int none = bg == Py_None;
    Py_DECREF(bg);
    if (none)
        return Py_NewRef(Default);
    return PyObject_CallOneArg(BlankOf, pen);
}

/* ---- scrollback: Scrollback.push_row and _store for the commonest row ---------------------- */

static int call_method1(PyObject *o, PyObject *name, PyObject *arg)
{
    PyObject *r = PyObject_CallMethodOneArg(o, name, arg);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

static int push_row_python(PyObject *history, PyObject *row, Py_ssize_t cols)
{
    PyObject *c = PyLong_FromSsize_t(cols);
    if (c == NULL)
        return -1;
    PyObject *r = PyObject_CallMethodObjArgs(history, s_push_row, row, c, NULL);
    Py_DECREF(c);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

static int shows_blank(PyObject *style)
{
    if (style == Default)
        return 1;
    PyObject *v = PyObject_GetAttr(style, s_shows_blank);
    if (v == NULL)
        return -1;
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

/* Scrollback._store(text[:tlen], flat): the run form when its counts fit 16 bits and it is
 * within budget, else Python squeezes it. */
static int store(PyObject *history, PyObject *text, Py_ssize_t tlen, Py_ssize_t *flat,
                 Py_ssize_t nflat)
{
    PyObject *part = tlen == PyUnicode_GET_LENGTH(text) ? Py_NewRef(text)
                                                        : PyUnicode_Substring(text, 0, tlen);
    if (part == NULL)
        return -1;
    int fits = flat[0] < 0xFFFD;
    for (Py_ssize_t k = 1; fits && k < nflat; k++)
        if (flat[k] < 0 || flat[k] > 0xFFFF)
            fits = 0;
    PyObject *line = NULL;
    if (fits) {
        const char *utf8;
        Py_ssize_t size;
        PyObject *encoded = NULL;
        if (PyUnicode_IS_ASCII(part)) {
            utf8 = (const char *)PyUnicode_DATA(part);
            size = tlen;
        } else {
            encoded = PyUnicode_AsEncodedString(part, "utf-8", "surrogatepass");
            if (encoded == NULL) {
                Py_DECREF(part);
                return -1;
            }
            utf8 = PyBytes_AS_STRING(encoded);
            size = PyBytes_GET_SIZE(encoded);
        }
        Py_ssize_t total = 2 * nflat + size;
        if (total <= 350 || total <= 3 * tlen + 64) {
            line = PyBytes_FromStringAndSize(NULL, total);
            if (line != NULL) {
                unsigned char *p = (unsigned char *)PyBytes_AS_STRING(line);
                for (Py_ssize_t k = 0; k < nflat; k++) {
                    p[2 * k] = (unsigned char)(flat[k] & 0xFF);
                    p[2 * k + 1] = (unsigned char)(flat[k] >> 8);
                }
                memcpy(p + 2 * nflat, utf8, size);
            }
        }
        Py_XDECREF(encoded);
        if (line == NULL && PyErr_Occurred()) {
            Py_DECREF(part);
            return -1;
        }
    }
    int rc;
    if (line != NULL) {
        PyObject *lines = PyObject_GetAttr(history, s_lines);
        rc = lines == NULL ? -1 : call_method1(lines, s_append, line);
        Py_XDECREF(lines);
        Py_DECREF(line);
        Py_DECREF(part);
        return rc;
    }
    PyObject *lst = PyList_New(nflat);
    for (Py_ssize_t k = 0; lst != NULL && k < nflat; k++) {
        PyObject *v = PyLong_FromSsize_t(flat[k]);
        if (v == NULL) {
            Py_CLEAR(lst);
            break;
        }
        PyList_SET_ITEM(lst, k, v);
    }
    if (lst == NULL) {
        Py_DECREF(part);
        return -1;
    }
    PyObject *r = PyObject_CallMethodObjArgs(history, s_store, part, lst, NULL);
    Py_DECREF(lst);
    Py_DECREF(part);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* A palette index for a style, `_add`ing it when new. */
static Py_ssize_t palette_index(PyObject *history, PyObject *index, PyObject *style)
{
    PyObject *key = PyLong_FromVoidPtr(style);
    if (key == NULL)
        return -1;
    PyObject *got = PyDict_GetItemWithError(index, key); /* borrowed */
    Py_DECREF(key);
    PyObject *added = NULL;
    if (got == NULL) {
        if (PyErr_Occurred())
            return -1;
        got = added = PyObject_CallMethodOneArg(history, s_add, style);
        if (added == NULL)
            return -1;
    }
    Py_ssize_t i = PyLong_AsSsize_t(got);
    Py_XDECREF(added);
    if (i < 0 && !PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "a negative palette index");
    return i < 0 ? -1 : i;
}

/* Scrollback.push_row for a compact row: the runs as they are when several styles end in a
 * character that is not a blank (Scrollback.push_row's own fast case), else Row.entry's
 * trimmed runs through Scrollback.push. Cell rows and unusual fills go to Python. */
static int push_row(PyObject *history, PyObject *row, Py_ssize_t cols)
{
    PyObject *text = SLOT(row, off_text), *runs = SLOT(row, off_runs);
    PyObject *chars = SLOT(row, off_chars), *fill = SLOT(row, off_fill);
    PyObject *wrapped = SLOT(row, off_wrapped);
    if (text == NULL || runs == NULL || chars == NULL || fill == NULL || wrapped == NULL
        || chars != Py_None || fill != Default || !PyList_CheckExact(runs) || !PyUnicode_Check(text))
        return push_row_python(history, row, cols);
    Py_ssize_t nraw = PyList_GET_SIZE(runs), tlen = PyUnicode_GET_LENGTH(text);
    Py_ssize_t small[129];
    Py_ssize_t *flat = small, nflat = 1, start = 0;
    PyObject *small_styles[64];
    PyObject **styles = small_styles; /* borrowed from the runs */
    if (nraw > 64) {
        flat = PyMem_Malloc(sizeof(Py_ssize_t) * (2 * nraw + 1));
        styles = PyMem_Malloc(sizeof(PyObject *) * nraw);
        if (flat == NULL || styles == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
    }
    Py_ssize_t nout = 0;
    for (Py_ssize_t k = 0; k < nraw; k++) {
        PyObject *run = PyList_GET_ITEM(runs, k);
        if (!PyTuple_CheckExact(run) || PyTuple_GET_SIZE(run) != 2
            || !PyLong_CheckExact(PyTuple_GET_ITEM(run, 0))) {
            if (flat != small)
                PyMem_Free(flat);
            if (styles != small_styles)
                PyMem_Free(styles);
            return push_row_python(history, row, cols);
        }
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(run, 0));
        if (end == -1 && PyErr_Occurred())
            goto fail;
        if (end <= start)
            continue;
        flat[1 + 2 * nout] = end - start;
        styles[nout++] = PyTuple_GET_ITEM(run, 1);
        start = end;
    }
    if (start != tlen) {
        /* Runs that do not cover the text exactly: never read past it here. */
        if (flat != small)
            PyMem_Free(flat);
        if (styles != small_styles)
            PyMem_Free(styles);
        return push_row_python(history, row, cols);
    }
    int as_is = nraw >= 2 && tlen > 0 && PyUnicode_READ_CHAR(text, tlen - 1) != ' ' && nout >= 2;
    PyObject *plain = NULL; /* the entry when it is a string */
    if (!as_is) {
        if (nraw == 0) {
            plain = Py_NewRef(Empty);
        } else if (nraw == 1 && PyTuple_GET_ITEM(PyList_GET_ITEM(runs, 0), 1) == Default) {
            Py_ssize_t e = tlen;
            while (e > 0 && PyUnicode_READ_CHAR(text, e - 1) == ' ')
                e--;
            plain = PyUnicode_Substring(text, 0, e);
            if (plain == NULL)
                goto fail;
        } else {
            /* rows._trimmed: trailing blanks in styles that show blank go. */
            while (nout) {
                int b = shows_blank(styles[nout - 1]);
                if (b < 0)
                    goto fail;
                if (!b)
                    break;
                Py_ssize_t n = flat[2 * nout - 1], kept = n;
                while (kept > 0 && PyUnicode_READ_CHAR(text, tlen - n + kept - 1) == ' ')
                    kept--;
                if (kept == n)
                    break;
                tlen = tlen - n + kept;
                if (kept) {
                    flat[2 * nout - 1] = kept;
                    break;
                }
                nout--;
            }
            if (nout == 0)
                plain = Py_NewRef(Empty);
            else if (nout == 1 && styles[0] == Default) {
                plain = PyUnicode_Substring(text, 0, tlen);
                if (plain == NULL)
                    goto fail;
            }
        }
    }
    int rc;
    if (plain != NULL) {
        if (flat != small)
            PyMem_Free(flat);
        if (styles != small_styles)
            PyMem_Free(styles);
        if (!PyUnicode_IS_ASCII(plain)) {
            PyObject *r = PyObject_CallMethodObjArgs(history, s_push, plain, wrapped, NULL);
            Py_DECREF(plain);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
            return 0;
        }
        PyObject *wraps = PyObject_GetAttr(history, s_wraps);
        PyObject *lines = wraps ? PyObject_GetAttr(history, s_lines) : NULL;
        rc = lines == NULL || call_method1(wraps, s_append, wrapped)
            || call_method1(lines, s_append, plain) ? -1 : 0;
        Py_XDECREF(wraps);
        Py_XDECREF(lines);
        Py_DECREF(plain);
        return rc;
    }
    PyObject *index = PyObject_GetAttr(history, s_index);
    if (index == NULL)
        goto fail;
    if (!PyDict_CheckExact(index)) {
        Py_DECREF(index);
        if (flat != small)
            PyMem_Free(flat);
        if (styles != small_styles)
            PyMem_Free(styles);
        return push_row_python(history, row, cols);
    }
    for (Py_ssize_t k = 0; k < nout; k++) {
        Py_ssize_t i = palette_index(history, index, styles[k]);
        if (i < 0) {
            Py_DECREF(index);
            goto fail;
        }
        flat[2 + 2 * k] = i;
    }
    Py_DECREF(index);
    flat[0] = nout;
    nflat = 1 + 2 * nout;
    PyObject *wraps = PyObject_GetAttr(history, s_wraps);
    rc = wraps == NULL || call_method1(wraps, s_append, wrapped) ? -1 : 0;
    Py_XDECREF(wraps);
    if (rc == 0)
        rc = store(history, text, tlen, flat, nflat);
    if (flat != small)
        PyMem_Free(flat);
    if (styles != small_styles)
        PyMem_Free(styles);
    return rc;
fail:
    if (flat != small)
        PyMem_Free(flat);
    if (styles != small_styles)
        PyMem_Free(styles);
    return -1;
}

/* ---- motion -------------------------------------------------------------------------------- */

/* MotionMixin.index: the hot scroll (a line feed at the bottom of the whole screen) here,
 * scroll regions through `_scroll_up`. */
static int do_index(St *st)
{
    if (st->y != st->bot) {
        if (st->y < st->lines - 1)
            st->y++;
        return 0;
    }
    if (st->top != 0 || st->bot != st->lines - 1) {
        PyObject *one = PyLong_FromLong(1);
        if (one == NULL)
            return -1;
        int r = call_screen(st, s_scroll_up, one, NULL);
        Py_DECREF(one);
        return r;
    }
    PyObject *fill = blank_of(st->pen);
    if (fill == NULL)
        return -1;
    PyObject *fresh = new_row(fill);
    Py_DECREF(fill);
    if (fresh == NULL)
        return -1;
    PyObject *old = Py_NewRef(PyList_GET_ITEM(st->rows, 0));
    if (PyList_SetSlice(st->rows, 0, 1, NULL)) {
        Py_DECREF(old);
        Py_DECREF(fresh);
        return -1;
    }
    int r = PyList_Append(st->rows, fresh);
    Py_DECREF(fresh);
    st->all_dirty = 1;
    if (r == 0 && st->hist_ok)
        r = push_row(st->history, old, st->cols);
    Py_DECREF(old);
    return r;
}

/* ---- drawing one-cell text ------------------------------------------------------------------ */

static Py_UCS4 max_char(St *st, Py_ssize_t a, Py_ssize_t b)
{
    Py_UCS4 m = 0;
    if (st->kind == PyUnicode_1BYTE_KIND && PyUnicode_IS_ASCII(st->text))
        return 0x7f;
    for (Py_ssize_t i = a; i < b; i++) {
        Py_UCS4 c = CH(st, i);
        if (c > m)
            m = c;
    }
    return m;
}

/* (end, style) as the last run: merged into the last one when that has the same style. */
static int put_run(PyObject *runs, Py_ssize_t end, PyObject *style)
{
    Py_ssize_t nr = PyList_GET_SIZE(runs);
    PyObject *last = nr ? PyList_GET_ITEM(runs, nr - 1) : NULL;
    int same = last != NULL && PyTuple_CheckExact(last) && PyTuple_GET_SIZE(last) == 2
        && PyTuple_GET_ITEM(last, 1) == style;
    PyObject *e = PyLong_FromSsize_t(end);
    if (e == NULL)
        return -1;
    PyObject *t = PyTuple_Pack(2, e, style);
    Py_DECREF(e);
    if (t == NULL)
        return -1;
    if (same)
        return PyList_SetItem(runs, nr - 1, t);
    int r = PyList_Append(runs, t);
    Py_DECREF(t);
    return r;
}

/* Row.append: text[a:b] at column x >= len(row.text) of a compact row. */
static int row_append(St *st, PyObject *row, Py_ssize_t x, Py_ssize_t a, Py_ssize_t b,
                      PyObject *style)
{
    PyObject *cur = SLOT(row, off_text), *runs = SLOT(row, off_runs), *fill = SLOT(row, off_fill);
    if (cur == NULL || runs == NULL || fill == NULL || !PyUnicode_Check(cur)
        || !PyList_CheckExact(runs)) {
        PyErr_SetString(PyExc_TypeError, "a compact row without text or runs");
        return -1;
    }
    Py_ssize_t curlen = PyUnicode_GET_LENGTH(cur), pad = 0;
    Py_INCREF(runs);
    if (x > curlen) {
        pad = x - curlen;
        if (put_run(runs, x, fill)) {
            Py_DECREF(runs);
            return -1;
        }
    }
    Py_UCS4 m = PyUnicode_MAX_CHAR_VALUE(cur), m2 = max_char(st, a, b);
    if (m2 > m)
        m = m2;
    if (pad && m < ' ')
        m = ' ';
    Py_ssize_t total = curlen + pad + (b - a);
    PyObject *out;
    if (st->kind == PyUnicode_1BYTE_KIND && PyUnicode_IS_ASCII(st->text) && PyUnicode_IS_ASCII(cur)) {
        out = PyUnicode_New(total, 0x7f);
        if (out != NULL) {
            char *p = (char *)PyUnicode_DATA(out);
            memcpy(p, PyUnicode_DATA(cur), curlen);
            memset(p + curlen, ' ', pad);
            memcpy(p + curlen + pad, (const char *)st->data + a, b - a);
        }
    } else {
        out = PyUnicode_New(total, m);
        if (out != NULL) {
            if (PyUnicode_CopyCharacters(out, 0, cur, 0, curlen) < 0
                || (pad && PyUnicode_Fill(out, curlen, pad, ' ') < 0)) {
                Py_CLEAR(out);
            } else {
                /* By hand: CopyCharacters refuses latin-1 text into an ASCII string even when
                 * the part copied is ASCII. */
                int ok = PyUnicode_KIND(out);
                void *od = PyUnicode_DATA(out);
                for (Py_ssize_t i = a; i < b; i++)
                    PyUnicode_WRITE(ok, od, curlen + pad + (i - a), CH(st, i));
            }
        }
    }
    if (out == NULL) {
        Py_DECREF(runs);
        return -1;
    }
    slot_set(row, off_text, out);
    Py_DECREF(out);
    int r = put_run(runs, total, style);
    Py_DECREF(runs);
    return r;
}

/* The cells path of DrawMixin._draw_narrow's loop: text[a:b] over cells at column x. */
static int draw_cells(St *st, PyObject *row, Py_ssize_t x, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *cols = PyLong_FromSsize_t(st->cols);
    if (cols == NULL)
        return -1;
    PyObject *pair = PyObject_CallMethodOneArg(row, s_cells, cols);
    Py_DECREF(cols);
    if (pair == NULL)
        return -1;
    int r = -1;
    PyObject *chars, *attrs;
    if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2
        || !PyList_CheckExact(chars = PyTuple_GET_ITEM(pair, 0))
        || !PyList_CheckExact(attrs = PyTuple_GET_ITEM(pair, 1))
        || PyList_GET_SIZE(chars) < st->cols || PyList_GET_SIZE(attrs) < st->cols) {
        PyErr_SetString(PyExc_TypeError, "Row.cells gave no cells");
        goto done;
    }
    Py_ssize_t n = b - a, end = x + n;
    PyObject *space = PyUnicode_FromOrdinal(' ');
    if (space == NULL)
        goto done;
    if (x && PyUnicode_Check(PyList_GET_ITEM(chars, x))
        && PyUnicode_GET_LENGTH(PyList_GET_ITEM(chars, x)) == 0)
        PyList_SetItem(chars, x - 1, Py_NewRef(space));
    if (end < st->cols && PyUnicode_Check(PyList_GET_ITEM(chars, end))
        && PyUnicode_GET_LENGTH(PyList_GET_ITEM(chars, end)) == 0)
        PyList_SetItem(chars, end, Py_NewRef(space));
    Py_DECREF(space);
    PyObject *cs = PyList_New(n), *as = PyList_New(n);
    if (cs == NULL || as == NULL) {
        Py_XDECREF(cs);
        Py_XDECREF(as);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *c = PyUnicode_FromOrdinal(CH(st, a + i));
        if (c == NULL) {
            Py_DECREF(cs);
            Py_DECREF(as);
            goto done;
        }
        PyList_SET_ITEM(cs, i, c);
        PyList_SET_ITEM(as, i, Py_NewRef(st->pen));
    }
    r = PyList_SetSlice(chars, x, end, cs) || PyList_SetSlice(attrs, x, end, as) ? -1 : 0;
    Py_DECREF(cs);
    Py_DECREF(as);
done:
    Py_DECREF(pair);
    return r;
}

static int draw_python(St *st, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *s = PyUnicode_Substring(st->text, a, b);
    if (s == NULL)
        return -1;
    int r = call_screen(st, s_draw_narrow, s, NULL);
    Py_DECREF(s);
    return r;
}

/* DrawMixin._draw_narrow for text[a:b], every character one cell wide. */
static int draw(St *st, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t len = b - a, x = st->x, cols = st->cols;
    PyObject *row = PyList_GET_ITEM(st->rows, st->y);
    PyObject *chars = SLOT(row, off_chars);
    if (chars == NULL)
        return draw_python(st, a, b);
    Py_ssize_t end = x + len;
    if (end < cols || (end == cols && st->autowrap)) {
        if (chars != Py_None)
            return draw_python(st, a, b);
        PyObject *cur = SLOT(row, off_text);
        if (cur == NULL || !PyUnicode_Check(cur))
            return draw_python(st, a, b);
        if (x >= PyUnicode_GET_LENGTH(cur)) {
            if (row_append(st, row, x, a, b, st->pen))
                return -1;
        } else {
            PyObject *s = PyUnicode_Substring(st->text, a, b), *px = PyLong_FromSsize_t(x);
            PyObject *r = s && px ? PyObject_CallMethodObjArgs(row, s_overwrite, px, s, st->pen, NULL)
                                  : NULL;
            Py_XDECREF(s);
            Py_XDECREF(px);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
        }
        st->x = end;
        return mark_dirty(st, st->y);
    }
    if (!st->autowrap || chars != Py_None)
        return draw_python(st, a, b);
    /* Wrapping over compact rows (cells rows only after a wrap, at column 0, where no
     * joiner can be before the cursor). */
    while (a < b) {
        x = st->x;
        if (x >= cols) {
            slot_set(PyList_GET_ITEM(st->rows, st->y), off_wrapped, Py_True);
            st->x = x = 0;
            if (do_index(st))
                return -1;
        }
        Py_ssize_t n = b - a < cols - x ? b - a : cols - x;
        row = PyList_GET_ITEM(st->rows, st->y);
        chars = SLOT(row, off_chars);
        PyObject *cur = SLOT(row, off_text);
        if (chars == Py_None && cur != NULL && PyUnicode_Check(cur)) {
            Py_ssize_t curlen = PyUnicode_GET_LENGTH(cur);
            if (x >= curlen) {
                if (row_append(st, row, x, a, a + n, st->pen))
                    return -1;
            } else if (x == 0 && n >= curlen) {
                slot_set(row, off_text, Empty);
                PyObject *runs = PyList_New(0);
                if (runs == NULL)
                    return -1;
                slot_set(row, off_runs, runs);
                Py_DECREF(runs);
                if (row_append(st, row, 0, a, a + n, st->pen))
                    return -1;
            } else if (draw_cells(st, row, x, a, a + n)) {
                return -1;
            }
        } else if (draw_cells(st, row, x, a, a + n)) {
            return -1;
        }
        st->x = x + n;
        if (mark_dirty(st, st->y))
            return -1;
        a += n;
    }
    return 0;
}

/* ---- erasing -------------------------------------------------------------------------------- */

/* EditMixin._erase_cells(y, start, columns) for a compact row; cells through Python. */
static int erase_to_end(St *st, Py_ssize_t start)
{
    if (start >= st->cols)
        return 0;
    PyObject *row = PyList_GET_ITEM(st->rows, st->y);
    PyObject *chars = SLOT(row, off_chars), *text = SLOT(row, off_text), *runs = SLOT(row, off_runs);
    if (chars != Py_None || text == NULL || !PyUnicode_Check(text) || runs == NULL
        || !PyList_CheckExact(runs) || start > PyUnicode_GET_LENGTH(text)) {
        PyObject *y = PyLong_FromSsize_t(st->y), *a = PyLong_FromSsize_t(start),
                 *e = PyLong_FromSsize_t(st->cols);
        int r = -1;
        if (y && a && e) {
            if (sync_out(st) == 0) {
                PyObject *res = PyObject_CallMethodObjArgs(st->scr, s_erase_cells, y, a, e, NULL);
                if (res != NULL) {
                    Py_DECREF(res);
                    r = sync_in(st) ? -1 : 0;
                    if (r && !PyErr_Occurred())
                        PyErr_SetString(PyExc_RuntimeError, "the screen changed mode inside one token");
                }
            }
        }
        Py_XDECREF(y);
        Py_XDECREF(a);
        Py_XDECREF(e);
        return r;
    }
    PyObject *fill = blank_of(st->pen);
    if (fill == NULL)
        return -1;
    if (mark_dirty(st, st->y)) {
        Py_DECREF(fill);
        return -1;
    }
    slot_set(row, off_wrapped, Py_False);
    PyObject *kept = PyList_New(0);
    if (kept == NULL) {
        Py_DECREF(fill);
        return -1;
    }
    if (start == 0) {
        slot_set(row, off_text, Empty);
    } else {
        PyObject *t = PyUnicode_Substring(text, 0, start);
        if (t == NULL)
            goto fail;
        slot_set(row, off_text, t);
        Py_DECREF(t);
        Py_ssize_t nr = PyList_GET_SIZE(runs), prev = 0;
        for (Py_ssize_t k = 0; k < nr; k++) {
            PyObject *run = PyList_GET_ITEM(runs, k);
            if (!PyTuple_CheckExact(run) || PyTuple_GET_SIZE(run) != 2) {
                PyErr_SetString(PyExc_TypeError, "a run is not (end, style)");
                goto fail;
            }
            Py_ssize_t e = PyLong_AsSsize_t(PyTuple_GET_ITEM(run, 0));
            if (e == -1 && PyErr_Occurred())
                goto fail;
            if (e >= start) {
                if (start > prev) {
                    PyObject *ps = PyLong_FromSsize_t(start);
                    PyObject *nt = ps ? PyTuple_Pack(2, ps, PyTuple_GET_ITEM(run, 1)) : NULL;
                    Py_XDECREF(ps);
                    if (nt == NULL || PyList_Append(kept, nt)) {
                        Py_XDECREF(nt);
                        goto fail;
                    }
                    Py_DECREF(nt);
                }
                break;
            }
            if (PyList_Append(kept, run))
                goto fail;
            prev = e;
        }
    }
    slot_set(row, off_runs, kept);
    slot_set(row, off_fill, fill);
    Py_DECREF(kept);
    Py_DECREF(fill);
    return 0;
fail:
    Py_DECREF(kept);
    Py_DECREF(fill);
    return -1;
}

/* StreamParser._erase_up: n times EL 2 then CUU 1. */
static int erase_up(St *st, Py_ssize_t n)
{
    PyObject *fill = blank_of(st->pen);
    if (fill == NULL)
        return -1;
    Py_ssize_t y = st->y;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *row = new_row(fill);
        if (row == NULL || PyList_SetItem(st->rows, y, row) || mark_dirty(st, y)) {
            Py_DECREF(fill);
            return -1;
        }
        Py_ssize_t floor = y >= st->top ? st->top : 0;
        y = y - 1 > floor ? y - 1 : floor;
    }
    Py_DECREF(fill);
    st->y = y;
    if (st->x > st->cols - 1)
        st->x = st->cols - 1;
    st->last = -1;
    return 0;
}

/* ---- SGR ------------------------------------------------------------------------------------ */

static int sgr_python(St *st, PyObject *params)
{
    if (PyObject_SetAttr(st->scr, s_pen, st->pen))
        return -1;
    PyObject *r = PyObject_CallMethodOneArg(st->scr, s_sgr, params);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    PyObject *pen = PyObject_GetAttr(st->scr, s_pen);
    if (pen == NULL)
        return -1;
    Py_SETREF(st->pen, pen);
    return 0;
}

/* (pen, parameters) -> the pen after them, remembered here in front of the screens' own
 * caches: a hit costs no string, tuple or dict. Styles are interned, so the answer is the
 * object those caches give (both keep the pen, so its address names it). */
#define SGR_SLOTS 1024
#define SGR_MAX 28
typedef struct {
    PyObject *pen, *result;
    Py_ssize_t len;
    unsigned char params[SGR_MAX];
} SgrSlot;
static SgrSlot sgr_slots[SGR_SLOTS];

static SgrSlot *sgr_slot(St *st, Py_ssize_t a, Py_ssize_t b)
{
    if (b - a > SGR_MAX)
        return NULL;
    size_t h = (size_t)st->pen >> 4;
    for (Py_ssize_t i = a; i < b; i++)
        h = (h ^ CH(st, i)) * 16777619u;
    return &sgr_slots[(h ^ (h >> 15)) & (SGR_SLOTS - 1)];
}

static int sgr_lookup(St *st, SgrSlot *slot, Py_ssize_t a, Py_ssize_t b);
static int sgr_slow(St *st, Py_ssize_t a, Py_ssize_t b);

static int sgr(St *st, Py_ssize_t a, Py_ssize_t b)
{
    SgrSlot *slot = sgr_slot(st, a, b);
    if (slot != NULL && sgr_lookup(st, slot, a, b))
        return 0;
    PyObject *before = Py_NewRef(st->pen);
    if (sgr_slow(st, a, b)) {
        Py_DECREF(before);
        return -1;
    }
    if (slot == NULL) {
        Py_DECREF(before);
        return 0;
    }
    Py_XSETREF(slot->pen, before);
    Py_XSETREF(slot->result, Py_NewRef(st->pen));
    slot->len = b - a;
    for (Py_ssize_t i = a; i < b; i++)
        slot->params[i - a] = (unsigned char)CH(st, i);
    return 0;
}

static int sgr_lookup(St *st, SgrSlot *slot, Py_ssize_t a, Py_ssize_t b)
{
    if (slot->pen != st->pen || slot->len != b - a)
        return 0;
    for (Py_ssize_t i = a; i < b; i++)
        if (slot->params[i - a] != CH(st, i))
            return 0;
    Py_SETREF(st->pen, Py_NewRef(slot->result));
    return 1;
}

/* The pen after `CSI params m`, as `_sgr_chain` finds it: from the default style by the
 * parameters alone, else from the (style, parameters) cache, else `_sgr`. */
static int sgr_slow(St *st, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *params = PyUnicode_Substring(st->text, a, b);
    if (params == NULL)
        return -1;
    int r = 0;
    if (st->pen == Default) {
        PyObject *got = PyDict_GetItemWithError(st->from_default, params);
        if (got != NULL) {
            Py_SETREF(st->pen, Py_NewRef(got));
        } else if (PyErr_Occurred() || sgr_python(st, params)
                   || PyDict_SetItem(st->from_default, params, st->pen)) {
            r = -1;
        }
        Py_DECREF(params);
        return r;
    }
    PyObject *id = PyLong_FromVoidPtr(st->pen);
    PyObject *key = id ? PyTuple_Pack(2, id, params) : NULL;
    Py_XDECREF(id);
    if (key == NULL) {
        Py_DECREF(params);
        return -1;
    }
    PyObject *hit = PyDict_GetItemWithError(st->cache, key);
    Py_DECREF(key);
    if (hit != NULL && PyTuple_CheckExact(hit) && PyTuple_GET_SIZE(hit) == 2
        && PyTuple_GET_ITEM(hit, 0) == st->pen) {
        Py_SETREF(st->pen, Py_NewRef(PyTuple_GET_ITEM(hit, 1)));
    } else if (PyErr_Occurred() || sgr_python(st, params)) {
        r = -1;
    }
    Py_DECREF(params);
    return r;
}

/* StreamParser._scroll_lines(text, a, b): where parsing goes on, -1 on an exception. */
static Py_ssize_t scroll_lines(St *st, Py_ssize_t a, Py_ssize_t b)
{
    if (sync_out(st))
        return -1;
    PyObject *pa = PyLong_FromSsize_t(a), *pb = PyLong_FromSsize_t(b);
    PyObject *r = pa && pb ? PyObject_CallMethodObjArgs(st->scr, s_scroll_lines, st->text, pa, pb, NULL)
                           : NULL;
    Py_XDECREF(pa);
    Py_XDECREF(pb);
    if (r == NULL)
        return -1;
    Py_ssize_t pos = PyLong_AsSsize_t(r);
    Py_DECREF(r);
    if (pos == -1 && PyErr_Occurred())
        return -1;
    if (pos < a || pos > b) {
        PyErr_SetString(PyExc_ValueError, "_scroll_lines went outside its block");
        return -1;
    }
    int rc = sync_in(st);
    if (rc == 1)
        PyErr_SetString(PyExc_RuntimeError, "the screen changed mode inside one token");
    return rc ? -1 : pos;
}

/* ---- the loop ------------------------------------------------------------------------------- */

static int printable(Py_UCS4 c)
{
    return c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0);
}

static PyObject *parse(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyUnicode_Check(args[1]) || !PyLong_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "parse(screen, text: str, pos: int)");
        return NULL;
    }
    St st;
    memset(&st, 0, sizeof st);
    st.scr = args[0];
    st.text = args[1];
    st.kind = PyUnicode_KIND(st.text);
    st.data = PyUnicode_DATA(st.text);
    st.n = PyUnicode_GET_LENGTH(st.text);
    st.last = -2;
    Py_ssize_t pos = PyLong_AsSsize_t(args[2]);
    if (pos == -1 && PyErr_Occurred())
        return NULL;
    if (pos < 0 || pos >= st.n)
        return Py_NewRef(args[2]);
    /* Not even looking at the screen for a token handed straight back. */
    Py_UCS4 c0 = CH(&st, pos);
    if (!(printable(c0) || c0 == '\r' || c0 == '\n' || c0 == 0x0b || c0 == 0x0c
          || (c0 == 0x1b && pos + 1 < st.n && CH(&st, pos + 1) == '[')))
        return Py_NewRef(args[2]);
    int r = sync_in(&st);
    if (r) {
        release(&st);
        if (r < 0)
            PyErr_Clear(); /* the Python loop meets whatever it was and handles it */
        return Py_NewRef(args[2]);
    }
    Py_ssize_t n = st.n, tok_end = pos;
    while (pos < n) {
        Py_UCS4 c = CH(&st, pos);
        if (printable(c)) {
            Py_ssize_t e = pos;
            int narrow = 1;
            while (e < n) {
                Py_UCS4 d = CH(&st, e);
                if (!printable(d))
                    break;
                int w = is_narrow_ch(d);
                if (w < 0)
                    goto error;
                if (!w) {
                    narrow = 0;
                    break;
                }
                e++;
            }
            if (!narrow)
                break;
            tok_end = e;
            if (draw(&st, pos, e))
                goto error;
            Py_UCS4 lc = CH(&st, e - 1);
            st.last = lc < 0x7f ? (int)lc : -1;
            pos = e;
            continue;
        }
        if (c == '\r') {
            if (pos + 1 < n && CH(&st, pos + 1) == '\n') {
                Py_ssize_t p2 = pos + 2;
                int bottom = st.y == st.bot;
                tok_end = p2;
                st.x = 0;
                st.last = -1;
                if (do_index(&st))
                    goto error;
                pos = p2;
                if (bottom && p2 < n
                    && ((CH(&st, p2) >= ' ' && CH(&st, p2) <= '~') || CH(&st, p2) == '\r')) {
                    /* Plain lines scrolling through: `_scroll_lines` takes them in bulk. */
                    Py_ssize_t q = p2, block = p2;
                    for (;;) {
                        while (q < n && CH(&st, q) >= ' ' && CH(&st, q) <= '~')
                            q++;
                        if (q + 1 < n && CH(&st, q) == '\r' && CH(&st, q + 1) == '\n')
                            block = q += 2;
                        else
                            break;
                    }
                    if (block > p2 && (pos = scroll_lines(&st, p2, block)) < 0)
                        goto error;
                }
                continue;
            }
            st.x = 0;
            st.last = -1;
            pos++;
            continue;
        }
        if (c == '\n' || c == 0x0b || c == 0x0c) {
            tok_end = pos + 1;
            st.last = -1;
            if (do_index(&st))
                goto error;
            pos++;
            continue;
        }
        if (c != 0x1b || pos + 1 >= n || CH(&st, pos + 1) != '[')
            break;
        Py_ssize_t p = pos + 2, ps = p;
        while (p < n && CH(&st, p) >= 0x30 && CH(&st, p) <= 0x3f)
            p++;
        Py_ssize_t pe = p;
        if (p >= n)
            break;
        Py_UCS4 f = CH(&st, p);
        if (f < 0x40 || f > 0x7e)
            break; /* intermediates, or malformed: Python's */
        tok_end = p + 1;
        if (f == 'm') {
            int ok = 1;
            for (Py_ssize_t i = ps; i < pe; i++) {
                Py_UCS4 d = CH(&st, i);
                if (!((d >= '0' && d <= '9') || d == ';' || d == ':')) {
                    ok = 0;
                    break;
                }
            }
            if (!ok)
                break;
            if (sgr(&st, ps, pe))
                goto error;
            st.last = -1;
        } else if (f == 'H') {
            if (st.origin)
                break;
            Py_ssize_t v[2] = {0, 0}, digits = 0;
            int field = 0, ok = 1;
            for (Py_ssize_t i = ps; i < pe; i++) {
                Py_UCS4 d = CH(&st, i);
                if (d >= '0' && d <= '9') {
                    if (++digits > 9) {
                        ok = 0;
                        break;
                    }
                    v[field] = v[field] * 10 + (d - '0');
                } else if (d == ';' && field == 0) {
                    field = 1;
                    digits = 0;
                } else {
                    ok = 0;
                    break;
                }
            }
            if (!ok)
                break;
            st.y = v[0] > 1 ? (v[0] - 1 < st.lines - 1 ? v[0] - 1 : st.lines - 1) : 0;
            st.x = v[1] > 1 ? (v[1] - 1 < st.cols - 1 ? v[1] - 1 : st.cols - 1) : 0;
            st.last = -1;
        } else if (f == 'K' && pe == ps) {
            if (erase_to_end(&st, st.x))
                goto error;
            st.last = -1;
        } else if (f == 'K' && pe == ps + 1 && CH(&st, ps) == '2') {
            /* Ink's erase-up: how many whole "ESC [ 2 K ESC [ 1 A" follow from here. */
            Py_ssize_t k = 0, q = pos;
            static const char pair[] = "\x1b[2K\x1b[1A";
            while (q + 8 <= n) {
                int same = 1;
                for (int i = 0; i < 8; i++)
                    if (CH(&st, q + i) != (Py_UCS4)(unsigned char)pair[i]) {
                        same = 0;
                        break;
                    }
                if (!same)
                    break;
                k++;
                q += 8;
            }
            if (k) {
                tok_end = q;
                if (erase_up(&st, k))
                    goto error;
            } else {
                if (erase_to_end(&st, 0))
                    goto error;
                st.last = -1;
            }
        } else if ((f == 'h' || f == 'l') && pe - ps >= 2 && pe - ps <= 5 && CH(&st, ps) == '?') {
            /* DEC private modes that only set a flag (synchronized output around each of
             * Ink's frames, the cursor hidden while drawing), as set_private_mode does. */
            long mode = 0;
            for (Py_ssize_t i = ps + 1; i < pe; i++) {
                Py_UCS4 d = CH(&st, i);
                if (d < '0' || d > '9') {
                    mode = -1;
                    break;
                }
                mode = mode * 10 + (d - '0');
            }
            PyObject *name = mode == 2026 ? s_synchronized : mode == 25 ? s_cursor_visible
                : mode == 2004 ? s_bracketed_paste : mode == 1004 ? s_focus_events
                : mode == 1006 ? s_mouse_sgr : mode == 1 ? s_application_cursor
                : mode == 7 ? s_autowrap : NULL;
            if (name == NULL)
                break;
            PyObject *modes = PyObject_GetAttr(st.scr, s_modes);
            if (modes == NULL)
                goto error;
            r = PyObject_SetAttr(modes, name, f == 'h' ? Py_True : Py_False);
            Py_DECREF(modes);
            if (r)
                goto error;
            if (mode == 7)
                st.autowrap = f == 'h';
            st.last = -1;
        } else if (f == 'A' || f == 'B' || f == 'C' || f == 'D' || f == 'G' || f == '`') {
            /* Cursor moves by one number, as SequencesMixin._csi and MotionMixin do them. */
            Py_ssize_t a = 0;
            int ok = pe - ps <= 9;
            for (Py_ssize_t i = ps; ok && i < pe; i++) {
                Py_UCS4 d = CH(&st, i);
                if (d < '0' || d > '9')
                    ok = 0;
                else
                    a = a * 10 + (d - '0');
            }
            if (!ok)
                break;
            Py_ssize_t k = a > 1 ? a : 1;
            if (f == 'A') {
                Py_ssize_t floor = st.y >= st.top ? st.top : 0;
                st.y = st.y - k > floor ? st.y - k : floor;
                if (st.x > st.cols - 1)
                    st.x = st.cols - 1;
            } else if (f == 'B') {
                Py_ssize_t ceil = st.y <= st.bot ? st.bot : st.lines - 1;
                st.y = st.y + k < ceil ? st.y + k : ceil;
                if (st.x > st.cols - 1)
                    st.x = st.cols - 1;
            } else if (f == 'C') {
                st.x = st.x + k < st.cols - 1 ? st.x + k : st.cols - 1;
            } else if (f == 'D') {
                st.x = st.x - k > 0 ? st.x - k : 0;
            } else {
                st.x = k - 1 < st.cols - 1 ? k - 1 : st.cols - 1;
            }
            st.last = -1;
        } else {
            break;
        }
        pos = tok_end;
    }
    if (sync_out(&st)) {
        release(&st);
        return NULL;
    }
    release(&st);
    return PyLong_FromSsize_t(pos);

error: {
    /* The token's partial effects stay (as in Python); parsing resumes after it. */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    if (st.pen != NULL)
        sync_out(&st);
    set_ssize(st.scr, s_resume, tok_end > pos ? tok_end : pos + 1);
    PyErr_Clear();
    PyErr_Restore(et, ev, tb);
    release(&st);
    return NULL;
}
}

static Py_ssize_t member_offset(PyObject *type, const char *name)
{
    PyObject *d = PyObject_GetAttrString(type, name);
    if (d == NULL)
        return -1;
    Py_ssize_t off = -1;
    if (Py_IS_TYPE(d, &PyMemberDescr_Type)) {
        PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
        if (m->type == T_OBJECT_EX)
            off = m->offset;
    }
    Py_DECREF(d);
    if (off < 0)
        PyErr_Format(PyExc_TypeError, "Row.%s is not a slot", name);
    return off;
}

static PyObject *configure(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyType_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "configure(Row, DEFAULT, blank_of, char_width)");
        return NULL;
    }
    PyObject *t = args[0];
    Py_ssize_t o[6];
    const char *names[6] = {"text", "runs", "fill", "chars", "attrs", "wrapped"};
    for (int i = 0; i < 6; i++)
        if ((o[i] = member_offset(t, names[i])) < 0)
            return NULL;
    off_text = o[0], off_runs = o[1], off_fill = o[2], off_chars = o[3], off_attrs = o[4],
    off_wrapped = o[5];
    Py_XSETREF(RowType, (PyTypeObject *)Py_NewRef(t));
    Py_XSETREF(Default, Py_NewRef(args[1]));
    Py_XSETREF(BlankOf, Py_NewRef(args[2]));
    Py_XSETREF(CharWidth, Py_NewRef(args[3]));
    memset(narrow_tab, 0, sizeof narrow_tab);
    Py_RETURN_NONE;
}

static PyObject *py_push_row(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || RowType == NULL || Py_TYPE(args[1]) != RowType) {
        PyErr_SetString(PyExc_TypeError, "push_row(history, row: Row, cols: int) after configure");
        return NULL;
    }
    Py_ssize_t cols = PyLong_AsSsize_t(args[2]);
    if (cols == -1 && PyErr_Occurred())
        return NULL;
    if (push_row(args[0], args[1], cols))
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *py_parse(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (RowType == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_fastpath.configure() was not called");
        return NULL;
    }
    return parse(module, args, nargs);
}

static PyMethodDef methods[] = {
    {"configure", (PyCFunction)(void (*)(void))configure, METH_FASTCALL,
     "configure(Row, DEFAULT, blank_of, char_width): the Python objects the hot path builds."},
    {"parse", (PyCFunction)(void (*)(void))py_parse, METH_FASTCALL,
     "parse(screen, text, pos) -> the position of the first token left to the Python loop."},
    {"push_row", (PyCFunction)(void (*)(void))py_push_row, METH_FASTCALL,
     "push_row(history, row, cols): Scrollback.push_row."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_fastpath",
    "The terminal engine's hot path in C (see stream.py; the Python code is the reference).",
    -1, methods,
};

#define INTERN(var, s) if (((var) = PyUnicode_InternFromString(s)) == NULL) return NULL

PyMODINIT_FUNC PyInit__fastpath(void)
{
    INTERN(s_x, "_x");
    INTERN(s_y, "_y");
    INTERN(s_columns, "columns");
    INTERN(s_lines, "lines");
    INTERN(s_top, "_top");
    INTERN(s_bot, "_bot");
    INTERN(s_pen, "pen");
    INTERN(s_rows, "_rows");
    INTERN(s_dirty, "_dirty");
    INTERN(s_modes, "modes");
    INTERN(s_autowrap, "autowrap");
    INTERN(s_insert, "insert");
    INTERN(s_origin, "origin");
    INTERN(s_table, "_table");
    INTERN(s_main_rows, "_main_rows");
    INTERN(s_history, "history");
    INTERN(s_limit, "limit");
    INTERN(s_sgr_cache, "_sgr_cache");
    INTERN(s_from_default, "_sgr_from_default");
    INTERN(s_last, "_last");
    INTERN(s_all_dirty, "_all_dirty");
    INTERN(s_resume, "_resume");
    INTERN(s_sgr, "_sgr");
    INTERN(s_draw_narrow, "_draw_narrow");
    INTERN(s_scroll_up, "_scroll_up");
    INTERN(s_erase_cells, "_erase_cells");
    INTERN(s_overwrite, "overwrite");
    INTERN(s_cells, "cells");
    INTERN(s_bg, "bg");
    INTERN(s_push_row, "push_row");
    INTERN(s_index, "_index");
    INTERN(s_add, "_add");
    INTERN(s_wraps, "wraps");
    INTERN(s_append, "append");
    INTERN(s_store, "_store");
    INTERN(s_fast_path, "fast_path");
    INTERN(s_shows_blank, "shows_blank");
    INTERN(s_push, "push");
    INTERN(s_scroll_lines, "_scroll_lines");
    INTERN(s_synchronized, "synchronized");
    INTERN(s_cursor_visible, "cursor_visible");
    INTERN(s_bracketed_paste, "bracketed_paste");
    INTERN(s_focus_events, "focus_events");
    INTERN(s_mouse_sgr, "mouse_sgr");
    INTERN(s_application_cursor, "application_cursor");
    if ((Empty = PyUnicode_New(0, 0)) == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
