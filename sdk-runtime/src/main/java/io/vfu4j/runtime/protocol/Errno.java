package io.vfu4j.runtime.protocol;

/** Linux errno values that travel in error replies. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int EIO = 5;
  public static final int E2BIG = 7;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EFAULT = 14;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENODEV = 19;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int ENOSYS = 38;
  public static final int EPROTO = 71;
  public static final int EMSGSIZE = 90;
  public static final int ENOTSUP = 95;
  public static final int ETIMEDOUT = 110;

  private Errno() {}
}
