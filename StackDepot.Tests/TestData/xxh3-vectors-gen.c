/*
 * Reference generator for xxh3-vectors.txt (XXH3-64 test vectors), built against libxxhash.
 *
 *   xxh3-vectors-gen            print every vector line (and the header comments) to stdout
 *   xxh3-vectors-gen dump LEN   write the LEN input bytes of a vector to stdout
 *
 * Input bytes: input[i] = (uint8_t)(((uint32_t)i * 2654435761u + 0x7F4A7C15u) >> 24), i = 0 .. LEN-1,
 * in 32-bit unsigned (wrapping) arithmetic; every vector's input is a prefix of the same byte stream.
 * See xxh3-vectors-generate.sh, which compiles and runs this file and cross-checks the seed-0 lines with xxhsum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static uint8_t input_byte(uint32_t i) { return (uint8_t)((i * 2654435761u + 0x7F4A7C15u) >> 24); }

static uint8_t *make_input(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (!p) { perror("malloc"); exit(1); }
    for (size_t i = 0; i < len; i++) p[i] = input_byte((uint32_t)i);
    return p;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "dump") == 0) {
        size_t len = (size_t)strtoull(argv[2], NULL, 10);
        uint8_t *p = make_input(len);
        if (fwrite(p, 1, len, stdout) != len) { perror("fwrite"); return 1; }
        free(p);
        return 0;
    }
    if (argc != 1) { fprintf(stderr, "usage: %s [dump LEN]\n", argv[0]); return 2; }

    /* Every length class of XXH3-64 and its edges: 0, 1-3, 4-8, 9-16, 17-128, 129-240, >240
     * (partial block, exactly one block of 1024, several blocks, a last partial stripe). */
    static const size_t fixed_lengths[] = {
        0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 96, 97, 127, 128, 129, 130,
        143, 144, 200, 239, 240, 241, 255, 256, 257, 500, 512, 1023, 1024, 1025, 2047, 2048, 2049,
        3000, 4096, 10000, 16384 + 1, 65536 + 7,
    };
    static const uint64_t seeds[] = {
        0, 1, 0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full /* negative as int64 */,
        0xFFFFFFFFFFFFFFFFull /* -1 */, 0x00000000FFFFFFFFull,
    };
    enum { NFIXED = sizeof fixed_lengths / sizeof fixed_lengths[0], NMUL8 = 520 / 8 };
    size_t lengths[NFIXED + NMUL8];
    size_t n = 0;
    for (size_t i = 0; i < NFIXED; i++) lengths[n++] = fixed_lengths[i];
    for (size_t l = 8; l <= 520; l += 8) lengths[n++] = l; /* the depot's real inputs: 1..65 frames of 8 bytes */
    qsort(lengths, n, sizeof lengths[0], cmp_size);

    size_t maxlen = lengths[n - 1];
    uint8_t *buf = make_input(maxlen);
    unsigned v = XXH_versionNumber();

    printf("# XXH3-64 test vectors: one line per vector, \"LENGTH SEED EXPECTED\", seed and hash as 16 hex digits.\n");
    printf("# Input of LENGTH bytes: input[i] = (byte)(((uint32)i * 2654435761 + 0x7F4A7C15) >> 24) for i in [0, LENGTH),\n");
    printf("# in wrapping unsigned 32-bit arithmetic (so every input is a prefix of one byte stream).\n");
    printf("# Expected values from libxxhash %u.%u.%u XXH3_64bits_withSeed(input, LENGTH, SEED) via\n",
           v / 10000, (v / 100) % 100, v % 100);
    printf("# xxh3-vectors-gen.c; xxh3-vectors-generate.sh rebuilds this file and checks every seed-0 line against xxhsum -H3.\n");
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        size_t prev = (size_t)-1;
        for (size_t i = 0; i < n; i++) {
            if (lengths[i] == prev) continue; /* de-duplicate (e.g. 8, 16, 64 are in both lists) */
            prev = lengths[i];
            XXH64_hash_t h = XXH3_64bits_withSeed(buf, lengths[i], seeds[si]);
            printf("%zu %016llx %016llx\n", lengths[i], (unsigned long long)seeds[si], (unsigned long long)h);
        }
    }
    free(buf);
    return 0;
}
