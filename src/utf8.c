#include "utf8.h"

#include <string.h>

size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
				  : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

bool utf8_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s);
	while (left > 0) {
		size_t n = utf8_seq_len(u, left);
		if (n == 0)
			return false;
		u += n;
		left -= n;
	}
	return true;
}
