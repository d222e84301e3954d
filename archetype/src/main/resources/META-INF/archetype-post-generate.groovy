// Runs once archetype:generate has written the project (maven-archetype-plugin's post-generation
// hook). It refuses bad property values (in batch mode the plugin does not apply the descriptor's
// validation rules), makes ./mvnw executable, and keeps the project standalone.
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths

Properties p = request.properties
Path project = Paths.get(request.outputDirectory, request.artifactId)

def keywords = ('abstract assert boolean break byte case catch char class const continue default do double else enum '
    + 'extends final finally float for goto if implements import instanceof int interface long native new package '
    + 'private protected public return short static strictfp super switch synchronized this throw throws transient '
    + 'try void volatile while true false null _').split(' ') as Set

List<String> problems = []
String deviceName = p.getProperty('deviceName', '')
if (!(deviceName ==~ /[A-Z][A-Za-z0-9]*/)) {
  problems << "deviceName '" + deviceName + "' must be a capital letter followed by letters and digits (it starts the class names: Blinky gives Blinky, BlinkyMain, BlinkyTest)"
}
String pkg = p.getProperty('package', '')
if (!(pkg ==~ /[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*/) || pkg.split('\\.').any { keywords.contains(it) }) {
  problems << "package '" + pkg + "' is not a Java package name (lower-case identifiers separated by dots, no keywords)"
}
['vendorId', 'deviceId'].each { key ->
  String value = p.getProperty(key, '')
  if (!(value ==~ /0x[0-9a-fA-F]{1,4}/)) {
    problems << key + " '" + value + "' must be a 16-bit hexadecimal number such as 0x1234"
  } else if (key == 'vendorId' && (Integer.parseInt(value.substring(2), 16) == 0xffff || Integer.parseInt(value.substring(2), 16) == 0)) {
    problems << "vendorId " + value + " is not a usable PCI vendor ID (0x0000 and 0xffff mean no device)"
  }
}
if (!problems.isEmpty()) {
  project.toFile().deleteDir()
  throw new IllegalArgumentException('vfu4j-device-archetype: ' + problems.join('; '))
}

project.resolve('mvnw').toFile().setExecutable(true, false)

// Generated where a pom.xml already was, the plugin gives the new pom that project as <parent>
// (and adds a <module> to it). The project is standalone: drop the parent again.
Path pom = project.resolve('pom.xml')
String text = new String(Files.readAllBytes(pom), 'UTF-8')
String standalone = text.replaceFirst(/(?s)\s*<parent>.*?<\/parent>/, '')
if (standalone != text) {
  Files.write(pom, standalone.getBytes('UTF-8'))
  println '[WARNING] ' + Paths.get(request.outputDirectory, 'pom.xml') + ' now lists ' + request.artifactId +
      ' as a module (maven-archetype-plugin does that); the new project is standalone: remove that line.'
}
