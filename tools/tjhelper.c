/* libjpeg-turbo anchor for softvpu's tests and benchmarks (TurboJPEG YUV-planes API).
 *
 *   tjhelper compress W H QUALITY IN.nv12 OUT.jpg    one frame, same planes softvpu reads
 *   tjhelper decode IN.jpg OUT.i420                  decode to planar 4:2:0 (no colour conversion)
 *   tjhelper bench W H QUALITY THREADS IN.nv12 REPS  frames/s over every frame of a clip
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

static unsigned char *read_file(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(*len);
  if (fread(buf, 1, *len, f) != (size_t)*len) { perror(path); exit(1); }
  fclose(f);
  return buf;
}

static void write_file(const char *path, const unsigned char *buf, unsigned long len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, len, f) != len) { perror(path); exit(1); }
  fclose(f);
}

/* Splits NV12 chroma into the separate U and V planes the API takes. */
static void split_nv12(const unsigned char *nv12, int w, int h, unsigned char *u, unsigned char *v) {
  const unsigned char *uv = nv12 + (size_t)w * h;
  for (size_t i = 0; i < (size_t)w * h / 4; i++) { u[i] = uv[2 * i]; v[i] = uv[2 * i + 1]; }
}

static unsigned long compress(tjhandle tj, const unsigned char *nv12, int w, int h, int q,
                              unsigned char *u, unsigned char *v, unsigned char **out) {
  const unsigned char *planes[3] = {nv12, u, v};
  unsigned long size = tjBufSize(w, h, TJSAMP_420);
  split_nv12(nv12, w, h, u, v);
  if (tjCompressFromYUVPlanes(tj, planes, w, NULL, h, TJSAMP_420, out, &size, q, TJFLAG_NOREALLOC)) {
    fprintf(stderr, "compress: %s\n", tjGetErrorStr2(tj));
    exit(1);
  }
  return size;
}

struct job { const unsigned char *clip; int w, h, q, frames, first, step, reps; unsigned long bytes; };

static void *bench_thread(void *arg) {
  struct job *j = arg;
  tjhandle tj = tjInitCompress();
  size_t luma = (size_t)j->w * j->h;
  unsigned char *u = malloc(luma / 4), *v = malloc(luma / 4);
  unsigned char *out = tjAlloc(tjBufSize(j->w, j->h, TJSAMP_420));
  for (int r = 0; r < j->reps; r++)
    for (int i = j->first; i < j->frames; i += j->step)
      j->bytes += compress(tj, j->clip + luma * 3 / 2 * i, j->w, j->h, j->q, u, v, &out);
  tjFree(out); free(u); free(v); tjDestroy(tj);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc == 7 && !strcmp(argv[1], "compress")) {
    int w = atoi(argv[2]), h = atoi(argv[3]), q = atoi(argv[4]);
    long len;
    unsigned char *nv12 = read_file(argv[5], &len);
    if (len < (long)w * h * 3 / 2) { fprintf(stderr, "input too short\n"); return 1; }
    unsigned char *u = malloc((size_t)w * h / 4), *v = malloc((size_t)w * h / 4);
    unsigned char *out = tjAlloc(tjBufSize(w, h, TJSAMP_420));
    tjhandle tj = tjInitCompress();
    unsigned long size = compress(tj, nv12, w, h, q, u, v, &out);
    write_file(argv[6], out, size);
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "decode")) {
    long len;
    unsigned char *jpg = read_file(argv[2], &len);
    tjhandle tj = tjInitDecompress();
    int w, h, samp, cs;
    if (tjDecompressHeader3(tj, jpg, len, &w, &h, &samp, &cs)) {
      fprintf(stderr, "header: %s\n", tjGetErrorStr2(tj));
      return 1;
    }
    size_t luma = (size_t)w * h, cw = (w + 1) / 2, ch = (h + 1) / 2;
    unsigned char *out = malloc(luma + 2 * cw * ch);
    unsigned char *planes[3] = {out, out + luma, out + luma + cw * ch};
    if (tjDecompressToYUVPlanes(tj, jpg, len, planes, w, NULL, h, 0)) {
      fprintf(stderr, "decode: %s\n", tjGetErrorStr2(tj));
      return 1;
    }
    write_file(argv[3], out, luma + 2 * cw * ch);
    printf("%d %d\n", w, h);
    return 0;
  }
  if (argc == 8 && !strcmp(argv[1], "bench")) {
    int w = atoi(argv[2]), h = atoi(argv[3]), q = atoi(argv[4]), threads = atoi(argv[5]);
    int reps = atoi(argv[7]);
    long len;
    unsigned char *clip = read_file(argv[6], &len);
    int frames = (int)(len / ((long)w * h * 3 / 2));
    struct job jobs[64];
    pthread_t tids[64];
    if (threads < 1 || threads > 64 || frames < 1) { fprintf(stderr, "bad arguments\n"); return 1; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int t = 0; t < threads; t++) {
      jobs[t] = (struct job){clip, w, h, q, frames, t, threads, reps, 0};
      pthread_create(&tids[t], NULL, bench_thread, &jobs[t]);
    }
    unsigned long bytes = 0;
    for (int t = 0; t < threads; t++) { pthread_join(tids[t], NULL); bytes += jobs[t].bytes; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("frames %d fps %.2f bytes_per_frame %.0f\n", frames * reps, frames * reps / secs,
           (double)bytes / (frames * reps));
    return 0;
  }
  fprintf(stderr, "usage: see the comment at the top of tjhelper.c\n");
  return 2;
}
