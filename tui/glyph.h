/* tui/glyph.h — every non-ASCII glyph the screen draws, in one table with
 * its ASCII fallback for terminals without UTF-8 (canvas_utf8()). Panels
 * name a glyph; they never write `utf8 ? "…" : "~"` themselves. */
#ifndef MLC_GLYPH_H
#define MLC_GLYPH_H

#define GLYPHS(X)                                                                                  \
	X(DOT, "·", "-")	   /* between header words */                                      \
	X(SORT_UP, "▲", "^")	   /* ascending sort column */                                     \
	X(SORT_DOWN, "▼", "v")	   /* descending sort column */                                    \
	X(MORE_LEFT, "‹", "<")	   /* columns hidden to the left */                                \
	X(MORE_RIGHT, "›", ">")	   /* columns hidden to the right */                               \
	X(ELLIPSIS, "…", "~")	   /* text cut */                                                  \
	X(CRUMB_SEP, " › ", " > ") /* between breadcrumb levels */                                 \
	X(MARKED, "● ", "* ")	   /* a marked row */                                              \
	X(ARROW, "↗", "->")	   /* moved to */                                                  \
	X(DASH, "—", "-")	   /* between a name and its reason */                             \
	X(TREE_MID, "├ ", "| ")	   /* a child with siblings after it */                            \
	X(TREE_END, "└ ", "` ")	   /* the last child */                                            \
	X(BAR_FULL, "█", "#")	   /* a progress bar's done part */                                \
	X(BAR_EMPTY, "░", "-")	   /* and the rest */                                              \
	X(H_LINE, "─", "-")                                                                        \
	X(V_LINE, "│", "|")                                                                        \
	X(TOP_LEFT, "┌", "+")                                                                      \
	X(TOP_RIGHT, "┐", "+")                                                                     \
	X(BOTTOM_LEFT, "└", "+")                                                                   \
	X(BOTTOM_RIGHT, "┘", "+")

enum glyph {
#define G_X(name, u, a) G_##name,
	GLYPHS(G_X)
#undef G_X
	    G_COUNT
};

/* The glyph's text for this terminal. */
const char *glyph(enum glyph g);

#endif
