print("bora")
