/* tool.c - placeholder, filled in below */
#include "hosted.h"
static int mode;
void hak_hosted_tool_detect(int setting) { (void)setting; mode = 0; }
const char *hak_hosted_tool_name(void) { return mode ? "on" : "not under valgrind"; }
