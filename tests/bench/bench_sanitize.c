/* tests/bench/bench_sanitize.c — sanitizer throughput: 100,000 short
 * strings through san_dup, against the floor of copying them (strdup). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/sanitize.h"
#include "tests/bench/bench.h"

int main(void)
{
	static const char *const samples[] = {
		"run-2026-11-03/epoch_12", "s3://models/resnet50/checkpoints/ckpt-000120.pt",
		"FINISHED", "train_loss=0.0312 val_loss=0.0407", "raysubmit_Ab12Cd34Ef56Gh78",
		"\xe5\xae\x9e\xe9\xaa\x8c-\xe4\xb8\x80 caf\xc3\xa9", "bad\x1b[2Jname\r\n",
		"key\xe2\x80\xaetxt.exe", "nvidia-smi: 4 x H100 80GB, 73% util", "\xff\xfe invalid",
	};
	const size_t ns = sizeof samples / sizeof samples[0];
	double best_san = 1e9, best_dup = 1e9;
	unsigned long sink = 0;
	for (int round = 0; round < 5; round++) {
		double t0 = now_ms();
		for (size_t i = 0; i < 100000; i++) {
			char *s = san_dup(samples[i % ns], strlen(samples[i % ns]));
			sink += (unsigned char)s[0];
			free(s);
		}
		double t1 = now_ms();
		for (size_t i = 0; i < 100000; i++) {
			char *s = strdup(samples[i % ns]);
			sink += (unsigned char)s[0];
			free(s);
		}
		double t2 = now_ms();
		if (t1 - t0 < best_san)
			best_san = t1 - t0;
		if (t2 - t1 < best_dup)
			best_dup = t2 - t1;
	}
	printf("sanitize 100,000 strings: %.2f ms   floor (strdup): %.2f ms   ratio %.1fx  (%lu)\n",
	       best_san, best_dup, best_san / best_dup, sink % 2);
	return 0;
}
