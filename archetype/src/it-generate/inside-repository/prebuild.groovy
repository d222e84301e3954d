// Keep the poms as they were, to compare after generating.
['pom.xml', 'existing/pom.xml'].each { new File(basedir, it + '.before').bytes = new File(basedir, it).bytes }
return true
