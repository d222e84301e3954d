String log = new File(basedir, 'build.log').text
assert log.contains("vendorId '0x12345' must be a 16-bit hexadecimal number such as 0x1234")
assert log.contains("deviceName 'blinky' must be a capital letter followed by letters and digits")
assert log.contains("package 'org.example.new' is not a Java package name")
assert !new File(basedir, '../bad-device').exists() : 'a refused project must leave nothing behind'
return true
