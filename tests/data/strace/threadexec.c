// A thread calls execve while its leader sleeps: de_thread() kills the leader
// and gives the thread its pid (strace: "<pid changed to PID ...>").
#include <pthread.h>
#include <unistd.h>

static void* run(void* a) {
  (void)a;
  char* av[] = {"true", 0};
  execv("/bin/true", av);
  return 0;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, 0, run, 0);
  pause();
  return 1;
}
