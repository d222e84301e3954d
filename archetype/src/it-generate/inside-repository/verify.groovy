// The repository's poms are untouched; the project went next to the build, standalone, with
// an executable wrapper.
['pom.xml', 'existing/pom.xml'].each {
  assert new File(basedir, it).bytes == new File(basedir, it + '.before').bytes : it + ' was changed'
}
File project = new File(basedir, '../in-repo-device')
assert new File(project, 'pom.xml').isFile() : 'no project next to the build: ' + project
assert !new File(project, 'pom.xml').text.contains('<parent>') : 'the project is not standalone'
assert new File(project, 'mvnw').canExecute() : 'mvnw is not executable'
assert new File(project, '.mvn/wrapper/maven-wrapper.properties').text.contains('apache-maven-3.9')
assert !new File(basedir, 'in-repo-device').exists()
return true
