/* hex.c: hexadecimal ID checks and encoding. */
#include "hex.h"

static int lower_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int rc_is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lower_digit(s[i]))
			return 0;
	return s[n] == '\0';
}

int rc_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lower_digit(s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return s[n] == '\0';
}

void rc_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}
